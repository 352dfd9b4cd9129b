package api

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenAPICoversRoutes checks that every route of the table is in the
// document with its method, and nothing else is.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	seen := map[string]bool{}
	for _, rt := range routeTable() {
		m := strings.ToLower(rt.Method)
		if _, ok := doc.Paths[rt.Path][m]; !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.Method, rt.Path)
		}
		seen[m+" "+rt.Path] = true
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" && !seen[m+" "+p] {
				t.Errorf("openapi.json documents %s %s, which no route serves", m, p)
			}
		}
	}
	f := newFixture(t, nil)
	code, body, h := f.get("/v1/openapi.json", "")
	if code != 200 || string(body) != string(OpenAPI()) || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("GET /v1/openapi.json: %d", code)
	}
}

// TestOpenAPIValid runs @seriousme/openapi-schema-validator over the
// document. .ci/run installs it under .ci/node; elsewhere the test installs
// it into a temp dir with npm, or skips when node is missing.
func TestOpenAPIValid(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed; CI installs it and runs @seriousme/openapi-schema-validator")
	}
	bin, _ := filepath.Abs(filepath.Join("..", ".ci", "node", "node_modules", ".bin", "validate-api"))
	if v := os.Getenv("OPENAPI_VALIDATOR"); v != "" {
		bin = v
	}
	if _, err := os.Stat(bin); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Skip("npm is missing; run: npm install --prefix .ci/node @seriousme/openapi-schema-validator")
		}
		dir := t.TempDir()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund",
			"@seriousme/openapi-schema-validator@2.11.0").CombinedOutput()
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("npm install of the validator failed: %v\n%s", err, out)
			}
			t.Skipf("cannot install the OpenAPI validator (%v); run: npm install --prefix .ci/node @seriousme/openapi-schema-validator", err)
		}
		bin = filepath.Join(dir, "node_modules", ".bin", "validate-api")
	}
	out, err := exec.Command(bin, "openapi.json").CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"valid": true`) {
		t.Fatalf("openapi.json is not valid OpenAPI: %v\n%s", err, out)
	}
}
