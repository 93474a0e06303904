package template_test

import (
	"fmt"

	"github.com/goccy/go-json"

	"github.com/nsqfarm/nsqfarm/internal/lp/template"
)

func ExampleTemplate_Instantiate() {
	t, err := template.Parse("models/box.yaml", []byte(`
description: One variable under a parametric cap.
params:
  cap: {default: 4, min: 0, max: 100}
model: |
  maximize
    value: 3 x
  subject to
    limit: 2*x <= cap
  end
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := t.Instantiate(map[string]json.Number{"cap": "10"})
	fmt.Println(m.Name, m.Rows[0].Name, m.Rows[0].Hi)
	_, err = t.Instantiate(map[string]json.Number{"cap": "100.5"})
	fmt.Println(err)
	_, err = t.Instantiate(map[string]json.Number{"cpa": "1"})
	fmt.Println(err)
	// Output:
	// box limit 10
	// model "box": parameter "cap" = 100.5 is above its maximum 100
	// model "box": unknown parameter "cpa" (it has parameters cap)
}
