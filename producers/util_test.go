package producers

import (
	"io"
	"log/slog"
	"math/big"
	"sort"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// collect drains a source.
func collect(src Source) ([]string, error) {
	var out []string
	for b, err := range src {
		if err != nil {
			return out, err
		}
		out = append(out, string(b))
	}
	return out, nil
}

// sliceSource yields the given bodies.
func sliceSource(bodies []string) Source {
	return func(yield func([]byte, error) bool) {
		for _, b := range bodies {
			if !yield([]byte(b), nil) {
				return
			}
		}
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

func bigInt(n int64) *big.Int { return big.NewInt(n) }
