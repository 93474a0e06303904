package jobs

import (
	_ "embed"
	"net/http"
)

// openAPI is the OpenAPI 3.1 description of the API.
//
//go:embed openapi.json
var openAPI []byte

// handleOpenAPI is GET /api/openapi.json.
func handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPI)
}
