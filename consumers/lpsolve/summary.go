package lpsolve

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// summaryVariables bounds the variables listed by WriteSummary.
const summaryVariables = 20

// WriteSummary prints a human-readable summary of s: model, status,
// objective, branch-and-bound bound, gap and nodes (for models with
// integer variables), iterations, time and up to 20 nonzero variables.
func (s *Solution) WriteSummary(w io.Writer) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	model := s.Model
	if len(s.Params) > 0 {
		parts := make([]string, len(s.Params))
		for i, p := range s.Params {
			parts[i] = p.Name + "=" + string(p.Value)
		}
		model += " (" + strings.Join(parts, ", ") + ")"
	}
	fmt.Fprintf(tw, "model:\t%s\n", model)
	status := s.Status
	if s.Relaxation {
		status += " (linear relaxation: integrality ignored)"
	}
	fmt.Fprintf(tw, "status:\t%s\n", status)
	if s.Error != "" {
		fmt.Fprintf(tw, "error:\t%s\n", s.Error)
	}
	if s.Objective != nil {
		fmt.Fprintf(tw, "objective:\t%s\n", formatFloat(*s.Objective))
	}
	if s.Bound != nil {
		fmt.Fprintf(tw, "bound:\t%s\n", formatFloat(*s.Bound))
	}
	if s.Gap != nil {
		fmt.Fprintf(tw, "gap:\t%s\n", formatFloat(*s.Gap))
	}
	if s.Nodes != nil {
		fmt.Fprintf(tw, "nodes:\t%d\n", *s.Nodes)
	}
	fmt.Fprintf(tw, "iterations:\t%d\n", s.Iterations)
	fmt.Fprintf(tw, "solve time:\t%s ms\n", formatFloat(s.SolveTimeMS))
	fmt.Fprintf(tw, "engine:\t%s %s\n", s.Engine.Name, s.Engine.Version)
	if s.Variables != nil {
		nonzero := 0
		for _, v := range s.Variables {
			if v.Value != 0 {
				nonzero++
			}
		}
		fmt.Fprintf(tw, "variables:\t%d, %d nonzero\n", len(s.Variables), nonzero)
		listed := 0
		for _, v := range s.Variables {
			if v.Value == 0 {
				continue
			}
			if listed == summaryVariables {
				fmt.Fprintf(tw, "  ...\t%d more\n", nonzero-listed)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\n", v.Name, formatFloat(v.Value))
			listed++
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// formatFloat prints v with up to 10 significant digits.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
