// Package primes implements primality testing and integer factorisation.
//
// Numbers below 2^64 are handled exactly: IsPrime64 is a deterministic
// Miller–Rabin test and Factor64 returns the complete factorisation.
// Larger numbers are tested with the Baillie–PSW probable-prime test
// (IsProbablePrime), for which no counterexample is known, and factored on a
// bounded budget (FactorBounded), which may leave a composite cofactor.
//
// The package uses only the standard library.
package primes
