package lp

// WyndorModel exposes the wyndor test model to the external test package.
var WyndorModel = wyndor
