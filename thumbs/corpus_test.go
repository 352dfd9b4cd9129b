package thumbs

import (
	"context"
	"encoding/json"
	"image"
	"math/bits"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

type corpusFile struct {
	Path      string         `json:"path"`
	Kind      string         `json:"kind"`
	Media     string         `json:"media"`
	MIME      string         `json:"mime"`
	Malformed bool           `json:"malformed"`
	Exiftool  map[string]any `json:"exiftool"`
}

// corpus returns the shared test corpus (../shared/corpus beside the module
// root) and its manifest, or skips the test.
func corpus(t *testing.T) (string, []corpusFile) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("corpus: no go.mod above the working directory")
		}
		dir = parent
	}
	root := filepath.Join(dir, "..", "shared", "corpus")
	data, err := os.ReadFile(filepath.Join(root, "manifest.json"))
	if err != nil {
		t.Skipf("corpus not available at %s (CI provides it): %v", root, err)
	}
	var m struct{ Files []corpusFile }
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return root, m.Files
}

func (f corpusFile) input(root string) archive.RenderInput {
	in := archive.RenderInput{Path: filepath.Join(root, f.Path), MIME: f.MIME, Kind: media.KindPhoto}
	switch f.Media {
	case "video":
		in.Kind = media.KindVideo
	case "publication":
		in.Kind = media.KindPublication
	}
	if o, ok := f.Exiftool["EXIF:Orientation"].(float64); ok {
		in.Orientation = int(o)
	}
	in.Width, in.Height = f.size()
	in.DurationS, _ = f.Exiftool["QuickTime:Duration"].(float64)
	if rot, ok := f.Exiftool["Composite:Rotation"].(float64); ok {
		in.Rotation = int(rot)
	}
	return in
}

// size is the stored (not display) width and height ExifTool reports.
func (f corpusFile) size() (w, h int) {
	for _, g := range []string{"File", "QuickTime", "PNG"} {
		w, _ := f.Exiftool[g+":ImageWidth"].(float64)
		h, _ := f.Exiftool[g+":ImageHeight"].(float64)
		if w > 0 && h > 0 {
			return int(w), int(h)
		}
	}
	return 0, 0
}

// renderWithin runs Render with a deadline, failing the test on a hang.
func renderWithin(t *testing.T, r *Renderer, in archive.RenderInput, d time.Duration) (*archive.RenderResult, error) {
	t.Helper()
	type out struct {
		res *archive.RenderResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := r.Render(context.Background(), in)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(d):
		t.Fatalf("%s: Render still running after %v", in.Path, d)
		return nil, nil
	}
}

// TestCorpus draws the photos decoded in Go; TestCorpusTools the rest.
func TestCorpus(t *testing.T) {
	root, files := corpus(t)
	r := New(Options{})
	thumbs := map[string]uint64{}
	skipped := 0
	for _, f := range files {
		in := f.input(root)
		if f.viaTool() {
			continue
		}
		if raceEnabled && !f.Malformed && pixelCount(in.Path) > 300_000 {
			skipped++
			continue
		}
		res, err := renderWithin(t, r, in, 30*time.Second)
		switch {
		case f.Malformed:
			t.Logf("%s (malformed): err %v, warnings %q", f.Path, err, warningsOf(res))
			continue
		case err != nil:
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		if len(res.Images) != 2 || len(res.Warnings) != 0 {
			t.Errorf("%s: %d renditions, warnings %q", f.Path, len(res.Images), res.Warnings)
			continue
		}
		if res.Images[0].Placeholder || !res.HasPHash {
			t.Errorf("%s: placeholder %v, pHash %v", f.Path, res.Images[0].Placeholder, res.HasPHash)
		}
		rendition(t, res, archive.RenditionPreview)
		thumb := rendition(t, res, archive.RenditionThumb).Bounds()
		t.Logf("%s: thumb %dx%d, decode %v resize %v encode %v", f.Path, thumb.Dx(), thumb.Dy(),
			res.Stages.Decode, res.Stages.Resize, res.Stages.Encode)
		thumbs[f.Path] = res.PHash
	}

	if skipped > 0 {
		t.Logf("race detector on: skipped %d originals over 0.3 MP", skipped)
	}
	// landscape_1 … landscape_8 are one picture stored eight ways.
	want, ok := thumbs["jpeg/orientation/landscape_1.jpg"]
	if !ok {
		t.Fatal("no landscape_1.jpg")
	}
	for o := 2; o <= 8; o++ {
		p := "jpeg/orientation/landscape_" + string(rune('0'+o)) + ".jpg"
		if d := bits.OnesCount64(thumbs[p] ^ want); d > 6 {
			t.Errorf("%s: pHash %d bits from landscape_1: not upright", p, d)
		}
	}
}

// viaTool reports whether f is drawn by an external tool or from inside a
// container (video, PDF, EPUB, HEIC/HEIF/AVIF) rather than decoded in Go.
func (f corpusFile) viaTool() bool {
	return f.Media == "video" || f.Media == "publication" || isHEIF(f.MIME)
}

// pixelCount is width×height from the header of the image at path, or 0.
func pixelCount(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return 0
	}
	return cfg.Width * cfg.Height
}

func warningsOf(res *archive.RenderResult) []string {
	if res == nil {
		return nil
	}
	return res.Warnings
}
