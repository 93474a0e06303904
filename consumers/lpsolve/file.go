package lpsolve

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsqfarm/nsqfarm/internal/lp"
	"github.com/nsqfarm/nsqfarm/internal/lp/jsonmodel"
	"github.com/nsqfarm/nsqfarm/internal/lp/lpformat"
	"github.com/nsqfarm/nsqfarm/internal/lp/mps"
)

// SolveFile reads the model at path and solves it, for the command line
// (nsqfarm solve FILE). The extension selects the format: .mps (fixed or
// free MPS, detected), .lp (CPLEX LP) or .json (package jsonmodel), each
// optionally followed by .gz. The solution's Model is the file's base
// name.
//
// The time limit is opts.DefaultTimeLimitMS capped by opts.MaxTimeLimitMS,
// as for a job without time_limit_ms; the size limits of opts and
// RelaxIntegers apply; ModelsDir and MaxTextBytes are ignored. opts is not validated, so a zero
// Options means no time, size or iteration limits.
func SolveFile(ctx context.Context, path string, opts Options) (*Solution, error) {
	m, err := ReadModelFile(path)
	if err != nil {
		return nil, err
	}
	if err := opts.checkSize(m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	limit := opts.timeLimit(0)
	sol, err := solve(ctx, m, limit, solveOptions{
		lp:    lp.Options{MaxIterations: opts.MaxIterations},
		relax: opts.RelaxIntegers,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sol.Model = filepath.Base(path)
	return sol, nil
}

// ReadModelFile reads a model file in the format given by its extension;
// see SolveFile.
func ReadModelFile(path string) (*lp.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	name := path
	if strings.EqualFold(filepath.Ext(name), ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		r, name = zr, strings.TrimSuffix(name, filepath.Ext(name))
	}
	var m *lp.Model
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".mps":
		m, err = mps.Read(r, mps.Options{})
	case ".lp":
		m, err = lpformat.Read(r)
	case ".json":
		var data []byte
		if data, err = io.ReadAll(r); err == nil {
			m, err = jsonmodel.Decode(data)
		}
	default:
		return nil, fmt.Errorf("%s: unknown model format %q (want .mps, .lp or .json, optionally with .gz)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
