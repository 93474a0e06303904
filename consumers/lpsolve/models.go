package lpsolve

import "embed"

// embeddedModels holds the default models, one template file each (see
// package template); Options.ModelsDir adds to and overrides them.
//
//go:embed models/*.yaml
var embeddedModels embed.FS

// embeddedDir is the directory of embeddedModels holding the files.
const embeddedDir = "models"
