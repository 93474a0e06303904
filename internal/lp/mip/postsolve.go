package mip

import (
	"math"

	"github.com/nsqfarm/nsqfarm/internal/lp"
)

// result builds the reduced model from the state of presolve.
func (p *pre) result() *presolved {
	out := &presolved{orig: p.m, splits: p.splits}
	if !p.infeas {
		p.removeRows()
	}
	if p.infeas {
		out.infeasible = true
		return out
	}
	m := p.m
	out.x = make([]float64, len(m.Vars))
	red := &lp.Model{Name: m.Name, Sense: m.Sense, ObjName: m.ObjName, ObjConst: m.ObjConst}
	newCol := make([]int, len(m.Vars))
	for j, v := range m.Vars {
		if p.colGone[j] {
			// A merged column's value and cost are in the column it
			// was merged into.
			out.x[j] = p.lo[j]
			if !p.merged[j] {
				red.ObjConst += v.Obj * p.lo[j]
			}
			newCol[j] = -1
			continue
		}
		newCol[j] = len(red.Vars)
		out.colOf = append(out.colOf, j)
		v.Lo, v.Hi = p.lo[j], p.hi[j]
		red.Vars = append(red.Vars, v)
	}
	for i, r := range m.Rows {
		if p.rowGone[i] {
			continue
		}
		k := len(red.Rows)
		r.Lo, r.Hi = p.rowLo[i], p.rowHi[i]
		red.Rows = append(red.Rows, r)
		for _, e := range p.rows[i] {
			red.Coefs = append(red.Coefs, lp.Coef{Row: k, Col: newCol[e.idx], Val: e.val})
		}
	}
	if len(red.Vars) > 0 {
		out.red = red
	}
	return out
}

// postsolve maps res, the result of the search on the reduced model, to
// the caller's model: removed columns take the values presolve gave them,
// and the objective and row activities are those of the whole point. With
// no reduced model (presolve proved infeasibility or fixed every column)
// res is ignored.
func (ps *presolved) postsolve(res *Result) *Result {
	m := ps.orig
	sign := 1.0
	if m.Sense == lp.Maximize {
		sign = -1
	}
	if ps.infeasible {
		return &Result{Status: lp.Infeasible, Bound: sign * math.Inf(1), Gap: math.Inf(1)}
	}
	out := &Result{Gap: math.Inf(1)}
	if ps.red == nil {
		out.Status = lp.Optimal
		out.X = append([]float64(nil), ps.x...)
	} else {
		*out = *res
		if res.X != nil {
			out.X = append([]float64(nil), ps.x...)
			for k, j := range ps.colOf {
				out.X[j] = res.X[k]
			}
		}
	}
	if out.X == nil {
		return out
	}
	for k := len(ps.splits) - 1; k >= 0; k-- {
		ps.splits[k].split(out.X)
	}
	out.Objective = m.ObjConst
	for j, v := range m.Vars {
		out.Objective += v.Obj * out.X[j]
	}
	out.RowActivity = make([]float64, len(m.Rows))
	for _, c := range m.Coefs {
		out.RowActivity[c.Row] += c.Val * out.X[c.Col]
	}
	if ps.red == nil {
		out.Bound = out.Objective
	}
	// The bound cannot be better than the point's own objective.
	if sign*out.Bound > sign*out.Objective {
		out.Bound = out.Objective
	}
	if out.Status != lp.Unbounded {
		out.Gap = relGap(out.Objective, out.Bound)
	}
	return out
}
