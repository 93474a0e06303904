// Package modelfile reads a model in any of the formats of the project:
// MPS (fixed or free, detected; package mps), CPLEX LP (package lpformat)
// and the JSON of package jsonmodel. Read chooses the format by the file
// name's extension, each optionally followed by .gz for a
// gzip-compressed file.
package modelfile

import (
	"compress/gzip"
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

// Format is a model format, named as in lp_params jobs and file
// extensions.
type Format string

// The formats.
const (
	MPS  Format = "mps"
	LP   Format = "lp"
	JSON Format = "json"
)

// Formats lists the extensions Read accepts, for messages.
const Formats = ".mps, .lp or .json, optionally with .gz"

// FormatOf returns the format that the name of a file selects, and
// whether the file is gzip-compressed: NAME.mps, NAME.lp or NAME.json,
// each optionally followed by .gz (extensions in any case).
func FormatOf(path string) (Format, bool, error) {
	name, gz := path, false
	if strings.EqualFold(filepath.Ext(name), ".gz") {
		name, gz = strings.TrimSuffix(name, filepath.Ext(name)), true
	}
	switch ext := strings.ToLower(filepath.Ext(name)); ext {
	case ".mps":
		return MPS, gz, nil
	case ".lp":
		return LP, gz, nil
	case ".json":
		return JSON, gz, nil
	default:
		return "", false, fmt.Errorf("unknown model format %q (want %s)", ext, Formats)
	}
}

// Read reads the model file at path in the format its name selects (see
// FormatOf). Errors start with the path; syntax errors then give the line
// (and column where the format has one) as the readers report them.
func Read(path string) (*lp.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // an *fs.PathError, which names the path
	}
	defer f.Close()
	format, gz, err := FormatOf(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var r io.Reader = f
	if gz {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: not a gzip file: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	m, err := Decode(r, format)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Decode reads a model in format f from r.
func Decode(r io.Reader, f Format) (*lp.Model, error) {
	switch f {
	case MPS:
		return mps.Read(r, mps.Options{})
	case LP:
		return lpformat.Read(r)
	case JSON:
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("read model JSON: %w", err)
		}
		return jsonmodel.Decode(data)
	}
	return nil, fmt.Errorf("unknown model format %q (want %q, %q or %q)", f, MPS, LP, JSON)
}
