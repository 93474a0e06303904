package lpsolve

// EndlessJob is endlessJob for the external tests of the package.
var EndlessJob = endlessJob
