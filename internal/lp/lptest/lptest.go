// Package lptest holds models for the tests of the packages that solve
// them and for the MIP benchmark (generated integer families), and runs
// glpsol, the peer those tests compare with.
package lptest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// MarketSplit returns a market split problem in LP format: m equality
// rows over n binary variables with random coefficients (the same for a
// given m and n) and a right-hand side of half their sum, the slacks
// minimised. Its LP bound is 0 and few integer points, if any, reach it,
// and no cut or presolve closes that gap: with m = 4 and n = 36, branch
// and bound runs for minutes, a long job made on the spot.
func MarketSplit(m, n int) string {
	r := rand.New(rand.NewPCG(7, 7))
	var sb strings.Builder
	sb.WriteString("minimize\n obj:")
	for i := range m {
		fmt.Fprintf(&sb, " + s%d + t%d", i, i)
	}
	sb.WriteString("\nsubject to\n")
	for i := range m {
		sum := 0
		fmt.Fprintf(&sb, " c%d:", i)
		for j := range n {
			a := r.IntN(100)
			sum += a
			fmt.Fprintf(&sb, " + %d x%d", a, j)
		}
		fmt.Fprintf(&sb, " + s%d - t%d = %d\n", i, i, sum/2)
	}
	sb.WriteString("binary\n")
	for j := range n {
		fmt.Fprintf(&sb, " x%d", j)
	}
	sb.WriteString("\nend\n")
	return sb.String()
}
