// Package template holds named, parametric linear programs loaded from YAML
// files, so that adding a model to the farm needs a file, not code.
//
// # File format
//
// A model file (NAME.yaml or NAME.yml) looks like this:
//
//	# Wyndor Glass Co. (Hillier & Lieberman): how many batches of doors and
//	# windows to make per week in three plants.
//	name: wyndor
//	description: Product mix of doors and windows over three plants.
//	params:
//	  profit_rate_windows:
//	    default: 500
//	    min: 0
//	    max: 1e6
//	    description: Profit per batch of windows, in dollars.
//	  hours_plant3: 18          # shorthand for {default: 18}
//	  door_profit:              # no default: every job must give it
//	    min: 0
//	model: |
//	  maximize
//	    profit: door_profit Doors + profit_rate_windows Windows
//	  subject to
//	    plant1: Doors <= 4
//	    plant2: 2*Windows <= 12
//	    plant3: 3 Doors + 2 Windows <= hours_plant3
//	    budget: (door_profit + profit_rate_windows) / 100 Doors <= 2 * hours_plant3
//	  bounds
//	    Windows <= (hours_plant3 - 6) / 2
//	  end
//
// Keys:
//
//   - name: the model name jobs refer to; defaults to the file name without
//     its extension. Letters, digits, '_', '-' and '.'.
//   - description: free text.
//   - params: parameter name → spec, in any order. A name is a letter or '_'
//     followed by letters, digits or '_', and must not be an LP keyword
//     (max, st, bounds, end, ...), "free" or "inf". A spec is either a
//     number (the default) or a mapping with the optional keys default,
//     min, max (inclusive limits) and description. Numbers are written as
//     JSON numbers (500, -2.5, 1e6); YAML forms such as 0x10, 1_000 or .inf
//     are rejected.
//   - model: the model in CPLEX LP format (see package lpformat) in which
//     any number may be a parameter name or an arithmetic expression of
//     numbers and parameters with *, / and parentheses; + and - combine
//     parameters only inside parentheses ("<= (hours - 2)"), because outside
//     them they separate terms. Within the body, parentheses and / are
//     operators and parameter names cannot be used as variable names. A
//     literal block (model: |) keeps error line numbers exact.
//
// Parameter values are exact decimal numbers (json.Number): they are checked
// against min and max exactly, without rounding, echoed unchanged, and only
// converted to float64 to build the model. Unknown parameters, missing
// parameters without a default, out-of-range values and malformed numbers
// are errors.
//
// Files are checked when loaded: the YAML (unknown keys included), the
// parameter specs and the model body, which is instantiated once with the
// defaults (parameters without a default use 1 moved into [min, max]).
package template
