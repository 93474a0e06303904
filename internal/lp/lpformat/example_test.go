package lpformat_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
)

func ExampleRead() {
	m, err := lpformat.Read(strings.NewReader(`
Maximize
 profit: 300 Doors + 500 Windows
Subject To
 plant1: Doors <= 4
 plant2: 2 Windows <= 12
 plant3: 3 Doors + 2 Windows <= 18
End`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Sense, len(m.Vars), "variables,", len(m.Rows), "constraints")
	if err := lpformat.Write(os.Stdout, m); err != nil {
		fmt.Println(err)
	}
	// Output:
	// max 2 variables, 3 constraints
	// Maximize
	//  profit: + 300 Doors + 500 Windows
	//
	// Subject To
	//  plant1: + Doors <= 4
	//  plant2: + 2 Windows <= 12
	//  plant3: + 3 Doors + 2 Windows <= 18
	// End
}

func ExampleReadWith() {
	_, err := lpformat.Read(strings.NewReader("max\n x\nst\n c1: x\n c2: x <= 3\n"))
	fmt.Println(err)
	m, _ := lpformat.ReadWith(strings.NewReader("max\n rate x\nst\n c: x <= (hours - 2) / 2\n"),
		lpformat.ReadOptions{Params: map[string]float64{"rate": 5, "hours": 10}})
	fmt.Println(m.Vars[0].Obj, m.Rows[0].Hi)
	// Output:
	// line 5, column 2: expected constraint operator, found name "c2"
	// 5 4
}
