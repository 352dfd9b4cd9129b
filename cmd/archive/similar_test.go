package main

import (
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haiduong/promo-archive/archive/similar"
)

// writeLookalike writes one picture as JPEG or PNG: other bytes (another
// asset), the same pixels, so the same or a near perceptual hash.
func writeLookalike(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 192, 128))
	for y := range 128 {
		for x := range 192 {
			v := uint8(40) // large bright and dark shapes: a stable hash
			if (x/48+y/32)%2 == 0 {
				v = 220
			}
			if dx, dy := x-96, y-64; dx*dx+dy*dy < 900 {
				v = 128
			}
			img.Set(x, y, color.RGBA{v, v / 2, 255 - v, 255})
		}
	}
	enc := func(w io.Writer) error { return png.Encode(w, img) }
	if filepath.Ext(path) == ".jpg" {
		enc = func(w io.Writer) error { return jpeg.Encode(w, img, &jpeg.Options{Quality: 100}) }
	}
	writePicture(t, path, enc)
}

func TestSimilarCommand(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	first, second := t.TempDir(), t.TempDir()
	writeLookalike(t, filepath.Join(first, "goc.png"))
	writeLookalike(t, filepath.Join(second, "ban-sao.jpg"))
	r := runCLI(t, "--root", root, "ingest", "--json", first)
	if r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	orig := parseIngest(t, r.stdout)["goc.png"].ID
	r = runCLI(t, "--root", root, "ingest", "--json", second)
	if r.code != 0 {
		t.Fatalf("ingest: %d %s", r.code, r.stderr)
	}
	var line struct {
		ID       string   `json:"id"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &line); err != nil {
		t.Fatal(err)
	}
	if want := "looks like " + orig; !strings.Contains(strings.Join(line.Warnings, "\n"), want) {
		t.Errorf("ingest warnings %v, want %q", line.Warnings, want)
	}

	r = runCLI(t, "--root", root, "similar", "--json", line.ID[:8])
	var ms []similar.Match
	if err := json.Unmarshal([]byte(r.stdout), &ms); r.code != 0 || err != nil {
		t.Fatalf("similar --json: %d %v %s", r.code, err, r.stderr)
	}
	if len(ms) != 1 || ms[0].ID != orig || ms[0].Distance > similar.DefaultThreshold {
		t.Errorf("similar = %+v, want %s", ms, orig)
	}
	r = runCLI(t, "--root", root, "similar", orig[:10])
	if r.code != 0 || !strings.Contains(r.stdout, line.ID) || !strings.Contains(r.stdout, "draft") {
		t.Errorf("similar: %d %q", r.code, r.stdout)
	}

	// The threshold comes from the settings.
	if err := os.WriteFile(filepath.Join(root, "config.json"), []byte(`{"similar_threshold": 99}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "--root", root, "similar", orig); r.code != exitUsage || !strings.Contains(r.stderr, "similar_threshold") {
		t.Errorf("threshold 99: exit %d %q, want a usage error", r.code, r.stderr)
	}
}
