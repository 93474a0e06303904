// Package jsonmodel reads and writes linear and mixed-integer programs as
// self-contained JSON documents, the "inline model" of lp_params jobs.
//
// A model looks like this (the Wyndor Glass example):
//
//	{
//	  "name": "wyndor",
//	  "sense": "max",
//	  "objective_name": "profit",
//	  "objective": {"Doors": 300, "Windows": 500},
//	  "objective_constant": 0,
//	  "variables": [
//	    {"name": "Doors", "lo": 0, "hi": null, "integer": false},
//	    {"name": "Windows"}
//	  ],
//	  "constraints": [
//	    {"name": "plant1", "coefs": {"Doors": 1}, "lo": null, "hi": 4},
//	    {"name": "plant2", "coefs": {"Windows": 2}, "<=": 12},
//	    {"name": "plant3", "coefs": {"Doors": 3, "Windows": 2}, "<=": 18}
//	  ]
//	}
//
// Fields:
//
//   - name, objective_name: optional strings.
//   - sense: "min" (the default) or "max"; "minimize", "maximize",
//     "minimise" and "maximise" are accepted too, in any case.
//   - objective: variable name → coefficient; variables not listed have
//     coefficient 0. objective_constant is an optional constant term.
//   - variables: the columns, in order; required and non-empty. Each has a
//     unique non-empty name, bounds lo (default 0) and hi (default +inf),
//     and integer (default false).
//   - constraints: the rows, in order. name is optional (default "c<i>",
//     1-based) and must be unique; coefs maps variable names to
//     coefficients. Bounds are given with "lo" and "hi", or equivalently
//     ">=" (lo), "<=" (hi) and "=" (both); at least one must be present, "="
//     excludes the others, and a bound given twice (">=" with "lo") is an
//     error. An absent constraint bound is infinite.
//
// A bound is a JSON number, null (infinite in its direction: -inf for lo
// and >=, +inf for hi and <=), or one of the strings "inf", "+inf", "-inf",
// "infinity", "+infinity", "-infinity" (any case). Coefficients and
// constants must be finite JSON numbers. Unknown fields, unknown or
// duplicated variables and out-of-range numbers are errors that name the
// constraint, variable or field concerned. Every error of Decode gives the
// line and column of the offending token (see package jsonpos) and what
// was expected there:
//
//	model JSON: line 2, column 21: objective: coefficient of "y": 1e999 is out of range (expected a finite number, at most about 1.8e308 in magnitude)
package jsonmodel
