// Package lpsolve is the optimisation stage: it solves the linear programs
// of the lp_params topic and publishes their solutions on the "solution"
// port (the solutions topic).
//
// # Jobs
//
// A job is a JSON object in one of three forms:
//
//	{"id": "job-1", "model": "wyndor", "params": {"profit_rate_windows": 500}}
//	{"id": "job-2", "model": {"sense": "max", "objective": {"x": 1}, "variables": [{"name": "x", "hi": 4}]}}
//	{"id": "job-3", "format": "lp", "text": "max\n obj: x\nst\n c: x <= 4\nend\n"}
//
// That is:
//
//   - A string "model" names a template (package template): the models
//     embedded from the models directory of this package, plus those of
//     Options.ModelsDir. "params" maps parameter names to JSON numbers,
//     kept exact; parameters left out take their defaults.
//   - An object "model" is an inline model in the format of package
//     jsonmodel. It takes no "params".
//   - "format" ("lp" for CPLEX LP, "mps" for fixed or free MPS, detected)
//     with "text" carries the model as text. It takes no "params".
//
// Optional fields: "id", a JSON string or number echoed verbatim in the
// solution, "time_limit_ms", a positive integer capped by
// Options.MaxTimeLimitMS (Options.DefaultTimeLimitMS when absent),
// "mip_gap", a number from 0 to 1, the relative gap at which branch and
// bound stops (0 or absent: 1e-4; 1e-9 asks for the exact optimum), and
// "relax", a boolean asking for the linear relaxation of a model with
// integer variables (see below). Any other field is an error, so that a
// misspelt "params" cannot be silently ignored.
//
// A job must be valid UTF-8, and a string "id" must not hold a \u escape
// of an unpaired surrogate: the solution echoes the id verbatim, and strict
// JSON parsers reject both. Such jobs are malformed ("job is not valid
// UTF-8 JSON"), so every solution is UTF-8 JSON that strict parsers read.
//
// # Solutions
//
// Every job that can be read gives one message, whatever its outcome:
//
//	{"id":"job-1","input_id":"6f1c0e52d3a94b7e8c20f5a1d9e4b3c7","model":"wyndor",
//	 "params":{"profit_rate_windows":500},"status":"optimal","objective":3600,
//	 "variables":{"Doors":2,"Windows":6},
//	 "constraints":{"plant1":{"activity":2,"dual":0},"plant2":{"activity":12,"dual":150},
//	                "plant3":{"activity":18,"dual":100}},
//	 "reduced_costs":{"Doors":0,"Windows":0},"iterations":2,"solve_time_ms":0.022,
//	 "time_limit_ms":10000,"engine":{"name":"nsqfarm-simplex","version":"1.0"}}
//
//	{"id":"job-3","input_id":"a83d5f10c6e2497b9d14e0c2f7b5a618","model":"lp","status":"infeasible",
//	 "iterations":1,"solve_time_ms":0.02,"time_limit_ms":10000,
//	 "engine":{"name":"nsqfarm-simplex","version":"1.0"}}
//
// input_id is the input's id (stage.Input.ID): unique in the cluster and
// the same on every redelivery, so sinks deduplicate on it. model is the template name, "inline", "lp" or "mps".
// params lists every parameter of a named model, given or default, with
// its exact value. status is one of optimal, infeasible, unbounded,
// time_limit (the job's time limit was reached), iteration_limit, or error
// (the engine failed; "error" says why). objective, variables, constraints
// and reduced_costs appear only with status optimal, in model order. Duals
// and reduced costs are in the model's sense: a dual is the change of the
// objective per unit increase of the constraint's active bound.
//
// # Integer variables
//
// A model with integer variables (LP "general"/"binary" sections, MPS
// integer markers, inline "integer": true) is solved by branch and bound
// (package mip) under the job's time limit, to the job's "mip_gap" (by
// default a relative gap of 1e-4):
//
//	{"id":"job-4","input_id":"3e9b7c21f04d4a6e85c3d2b1a0f9e874","model":"lp","status":"optimal","objective":4.5,
//	 "variables":{"x":1,"y":2.5},"constraints":{"c":{"activity":7},"d":{"activity":1}},
//	 "bound":4.5,"gap":0,"nodes":3,"iterations":2,"solve_time_ms":0.046,
//	 "time_limit_ms":10000,"engine":{"name":"nsqfarm-simplex","version":"1.0"}}
//
// Integer variables take exact integer values. Constraints carry only
// their activity: duals and reduced costs are not defined for integer
// programs and are left out. bound is the best proven bound on the
// optimum (left out while infinite), gap is |objective - bound| /
// max(1, |objective|) and nodes the number of relaxations solved. When the
// time limit stops the search after it found an integer solution, the
// status is time_limit and objective, variables, constraints, bound and
// gap describe the best solution found. Status unbounded means that a
// relaxation is unbounded: the model is unbounded or, rarely, infeasible.
//
// A job with "relax": true, or every job when Options.RelaxIntegers is
// set, is solved as its linear relaxation instead: integrality is ignored,
// the solution has duals and reduced costs as for a linear program and
// says "relaxation": true.
//
// Options.MIPThreads (mip_threads in topics.yaml, 1 to 256, default 1)
// is the number of workers of one branch-and-bound search. A search with
// n workers gives the same solution, bound and node count on every run
// for that n, not the same as with another n. The default of 1 suits the
// stage's default concurrency, one job per core: the cores are already
// shared between jobs, and a job's answer does not depend on the
// consumer that solves it. A stage that solves large models one at a
// time (concurrency: 1) gets its answers sooner with mip_threads set to
// its cores.
//
// # Errors
//
// Jobs that can never be solved give a permanent error (stage.Permanent),
// which the runtime sends to the dead-letter topic: invalid JSON, a missing
// or ambiguous model, unknown models, unknown, missing, non-numeric or
// out-of-range parameters, LP or MPS syntax errors, unknown variables or
// non-finite numbers in inline models, inconsistent models (a lower bound
// above an upper bound) and models over the size limits of Options. Errors
// in the job's JSON and in an inline model give the line and column in the
// job, errors in LP or MPS text the line and column in the text; each
// names the offending token and says what was expected:
//
//	job is not a valid JSON object: line 1, column 33: invalid character 'o' in literal null (expecting 'u')
//	inline model: model JSON: line 3, column 22: coefficient of "x" is the string "2", not a number (expected a JSON number)
//	lp text: line 2, column 7: "nan" is not a valid coefficient: NaN is not a number (expected a finite number before name "x")
//
// When the context passed to Handle ends before the solve does
// (shutdown), Handle returns the context's error, a transient error, and
// the job is retried.
//
// # Cancelling jobs
//
// The handler implements stage.Controller: the stage's control topic
// (lp_control in topics.yaml), which every consumer reads on an ephemeral
// channel of its own, carries cancels:
//
//	{"action": "cancel", "id": "job-1", "reason": "no longer needed"}
//
// The handler stops the running solves of the job with that id (a string
// or number id; "7" and 7 are one id) and remembers the id, for 24 hours
// and up to the latest 100,000 ids, so that the job is not solved if it
// arrives later (published after the cancel, or redelivered). Either way
// the job gives its usual message on the solution port, finished as any
// result, with status "cancelled" and the reason as "error" ("cancelled"
// when the cancel gives none):
//
//	{"id":"job-1","input_id":"…","model":"lp","status":"cancelled","error":"no longer needed",
//	 "nodes":4742,"iterations":1661,"solve_time_ms":512.346,"time_limit_ms":60000,
//	 "engine":{"name":"nsqfarm-simplex","version":"1.0"}}
//
// iterations (and nodes, for branch and bound) count the work done before
// the cancel; a job cancelled before its solve started has 0 iterations.
// A job is parsed before its id is looked up, so a malformed job is
// dead-lettered even when cancelled. Jobs without an id cannot be
// cancelled. A shutdown that interrupts a solve is not a cancel: the job
// is retried. The ids are remembered by each process: a consumer started
// after a cancel was published does not know it.
package lpsolve
