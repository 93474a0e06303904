package jsonmodel_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/nsqfarm/nsqfarm/internal/lp/jsonmodel"
	"github.com/nsqfarm/nsqfarm/internal/lp/modelfile"
)

func TestEncodeRoundTripNetlib(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "..", "shared", "data", "lp", "*", "*.mps.gz"))
	if len(files) == 0 {
		t.Skip("no shared LP models")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			m, err := modelfile.Read(path)
			if err != nil {
				t.Fatal(err)
			}
			data, err := jsonmodel.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := jsonmodel.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Coefs) != len(m.Coefs) || !reflect.DeepEqual(got.Vars, m.Vars) || !reflect.DeepEqual(got.Rows, m.Rows) {
				t.Errorf("round trip changed the model")
			}
		})
	}
}
