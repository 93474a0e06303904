package jsonmodel

import (
	"reflect"
	"testing"
)

// FuzzDecode checks that Decode never panics and that Encode gives back
// every model it accepts.
func FuzzDecode(f *testing.F) {
	f.Add(wyndor)
	f.Add(`{"variables":[{"name":"x","lo":"-inf"}],"constraints":[{"coefs":{"x":-0},"=":0},{"coefs":{},"lo":null,"hi":null}]}`)
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := Decode([]byte(doc))
		if err != nil {
			return
		}
		data, err := Encode(m)
		if err != nil {
			t.Fatalf("Encode of a decoded model: %v", err)
		}
		got, err := Decode(data)
		if err != nil {
			t.Fatalf("Decode of an encoded model: %v\n%s", err, data)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip changed the model\n got %+v\nwant %+v", got, m)
		}
	})
}
