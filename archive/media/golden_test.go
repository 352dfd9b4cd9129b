package media

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenCase is one fixture of testdata/ and the file its golden Info is
// read from: the fixture itself, or for an XMP sidecar (name.xmp) the photo
// name.jpg with the sidecar applied.
type goldenCase struct {
	name, media, sidecar string
}

// goldenCases lists every fixture in testdata/ (the files copied from the
// corpus and the generated gen_sample.* seeds), in name order.
func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenCase
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() || filepath.Ext(name) == ".md":
		case filepath.Ext(name) == ".xmp":
			photo := strings.TrimSuffix(name, ".xmp") + ".jpg"
			if _, err := os.Stat(filepath.Join("testdata", photo)); err != nil {
				t.Fatalf("sidecar %s has no photo %s: %v", name, photo, err)
			}
			out = append(out, goldenCase{name: name, media: photo, sidecar: name})
		default:
			out = append(out, goldenCase{name: name, media: name})
		}
	}
	return out
}

// TestGoldenInfo compares the media.Info extracted from each fixture with
// testdata/golden/<fixture>.json; -update rewrites the golden files.
func TestGoldenInfo(t *testing.T) {
	cases := goldenCases(t)
	if len(cases) < 10 {
		t.Fatalf("only %d fixtures in testdata", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", c.media))
			if err != nil {
				t.Fatal(err)
			}
			var opts Options
			if c.sidecar != "" {
				if opts.Sidecar, err = os.ReadFile(filepath.Join("testdata", c.sidecar)); err != nil {
					t.Fatal(err)
				}
			}
			info, err := Extract(bytes.NewReader(b), int64(len(b)), opts)
			if err != nil {
				t.Fatalf("Extract(%s): %v", c.media, err)
			}
			got, err := json.MarshalIndent(info, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", c.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v; run go test ./archive/media -run TestGoldenInfo -update", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the extracted Info (run with -update to accept):\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// TestGoldenFilesHaveFixtures: no golden file outlives its fixture.
func TestGoldenFilesHaveFixtures(t *testing.T) {
	known := map[string]bool{}
	for _, c := range goldenCases(t) {
		known[c.name+".json"] = true
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, p := range golden {
		if !known[filepath.Base(p)] {
			t.Errorf("%s has no fixture in testdata/", p)
		}
	}
}
