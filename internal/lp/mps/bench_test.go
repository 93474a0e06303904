package mps

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRead parses netlib models held in memory.
func BenchmarkRead(b *testing.B) {
	for _, name := range []string{"afiro", "blend", "25fv47"} {
		data, err := os.ReadFile(filepath.Join("../../../../shared/data/lp/netlib", name+".mps.gz"))
		if err != nil {
			b.Skipf("test data not available: %v", err)
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Read(bytes.NewReader(data), Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
