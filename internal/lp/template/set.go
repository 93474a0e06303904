package template

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Set is a collection of templates by name.
type Set struct {
	byName map[string]*Template
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{byName: make(map[string]*Template)} }

// LoadDir loads every *.yaml and *.yml file of dir (not its
// subdirectories). Two files defining the same model name are an error.
func LoadDir(dir string) (*Set, error) {
	return load(os.DirFS(dir), ".", func(name string) string { return filepath.Join(dir, name) })
}

// LoadFS is LoadDir on a directory of fsys, typically an embed.FS holding
// the default models.
func LoadFS(fsys fs.FS, dir string) (*Set, error) {
	return load(fsys, dir, func(name string) string { return path.Join(dir, name) })
}

// load parses the model files of dir; display names files in errors.
func load(fsys fs.FS, dir string, display func(string) string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	s := NewSet()
	for _, e := range entries {
		ext := path.Ext(e.Name())
		if e.IsDir() || ext != ".yaml" && ext != ".yml" {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		t, err := Parse(display(e.Name()), data)
		if err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		if prev, dup := s.byName[t.Name]; dup {
			return nil, fmt.Errorf("template: %s: model %q is already defined in %s", t.file, t.Name, prev.file)
		}
		s.byName[t.Name] = t
	}
	return s, nil
}

// Add puts t in the set, replacing any template of the same name.
func (s *Set) Add(t *Template) { s.byName[t.Name] = t }

// Merge adds every template of other, replacing same-named ones.
func (s *Set) Merge(other *Set) {
	for _, t := range other.byName {
		s.Add(t)
	}
}

// Lookup returns the template called name.
func (s *Set) Lookup(name string) (*Template, bool) {
	t, ok := s.byName[name]
	return t, ok
}

// Names returns the template names in sorted order.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.byName))
	for name := range s.byName {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// String lists the template names, for messages.
func (s *Set) String() string { return strings.Join(s.Names(), ", ") }
