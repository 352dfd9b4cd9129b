package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/disintegration/imaging"
)

// nodeModules returns the node_modules folder where .ci/run installs the
// npm packages the client tests use, or skips the test when node or pkg is
// missing there.
func nodeModules(t *testing.T, pkg string) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed; CI installs it (.ci/run)")
	}
	dir, _ := filepath.Abs(filepath.Join("..", ".ci", "node", "node_modules"))
	if _, err := os.Stat(filepath.Join(dir, pkg)); err != nil {
		t.Skipf("%s is not installed; run .ci/run or: npm install --prefix .ci/node %s (the pinned version is in .ci/run)", pkg, pkg)
	}
	return dir
}

// smoothScene is a photo-like picture: gradients, waves and a few hard
// edges, so that two good resamplers agree closely on it.
func smoothScene(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/float64(w), float64(y)/float64(h)
			r := 128 + 90*math.Sin(fx*9+fy*4)
			g := 40 + 180*fy
			b := 128 + 100*math.Cos(fx*5-fy*7)
			if (x/200+y/150)%5 == 0 {
				r, g, b = 250-r/3, 240-g/3, 30+b/4
			}
			img.SetRGBA(x, y, color.RGBA{uint8(r), uint8(g), uint8(b), 255})
		}
	}
	return img
}

// psnr compares two images of one size over R, G and B, in dB.
func psnr(a, b image.Image) float64 {
	na, nb := imaging.Clone(a), imaging.Clone(b)
	var sum float64
	for i := range na.Pix {
		if i%4 == 3 {
			continue // alpha
		}
		d := float64(na.Pix[i]) - float64(nb.Pix[i])
		sum += d * d
	}
	mse := sum / float64(3*na.Rect.Dx()*na.Rect.Dy())
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// TestIIIFAgainstIIIFProcessor sends one battery of image requests to the
// archive (with a portal key: full size) and to iiif-processor over the same
// original: the statuses and the output sizes must be equal, the pixels
// within 30 dB PSNR.
func TestIIIFAgainstIIIFProcessor(t *testing.T) {
	mods := nodeModules(t, "iiif-processor")
	f := newIIIFFixture(t, smoothScene(1600, 1200))
	original, err := f.a.OriginalPath(f.ids["big"])
	if err != nil {
		t.Fatal(err)
	}
	battery := []string{
		"full/max/0/default.jpg",
		"full/max/0/default.png",
		"square/max/0/default.jpg",
		"square/200,/0/default.png",
		"125,15,400,300/max/0/default.png",
		"1400,1000,400,400/max/0/default.png",
		"pct:10,20,30,40/max/0/default.png",
		"pct:41.6,7.5,66.6,100/max/0/default.jpg",
		"full/400,/0/default.jpg",
		"full/,300/0/default.jpg",
		"full/333,/0/default.png",
		"full/pct:25/0/default.jpg",
		"full/pct:33.3/0/default.png",
		"full/400,400/0/default.jpg",
		"full/!500,200/0/default.jpg",
		"full/!333,1000/0/default.png",
		"0,0,100,100/^300,/0/default.png",
		"0,0,100,50/^!400,400/0/default.png",
		"0,0,200,200/^pct:150/0/default.png",
		"10,10,90,60/^,120/0/default.png",
		"full/400,/90/default.png",
		"full/400,/180/default.png",
		"full/400,/270/default.png",
		"full/400,/!0/default.png",
		"full/400,/!90/default.png",
		"full/400,/!270/default.png",
		"full/400,/0/gray.png",
		"full/400,/0/color.png",
		"0,0,512,512/512,/0/default.jpg",
		"1024,512,512,512/512,/0/default.jpg",
		"1536,1024,64,176/64,/0/default.png",
		"0,0,1024,1024/512,/0/default.jpg",
		"1024,0,576,1024/288,/0/default.jpg",
		"0,0,1600,1200/200,/0/default.jpg",
		// Refused by both.
		"0,0,100,100/200,/0/default.jpg",
		"full/full/0/default.jpg",
		"2000,0,10,10/max/0/default.jpg",
		"full/max/0/default.bmp",
		"full/pct:0/0/default.jpg",
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{filepath.Join("testdata", "iiif_processor.cjs"), original, out}, battery...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.Bytes())
	}
	type answer struct {
		N      int    `json:"n"`
		Status int    `json:"status"`
		File   string `json:"file"`
		Error  string `json:"error"`
	}
	theirs := map[int]answer{}
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	for sc.Scan() {
		var a answer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("node said %q: %v", sc.Bytes(), err)
		}
		theirs[a.N] = a
	}
	worst := math.Inf(1)
	for n, req := range battery {
		t.Run(req, func(t *testing.T) {
			ref, ok := theirs[n]
			if !ok {
				t.Fatal("no answer from iiif-processor")
			}
			code, body, _ := f.get("/iiif/3/"+f.ids["big"]+"/"+req, "portal")
			if code != ref.Status {
				t.Fatalf("archive %d, iiif-processor %d (%s)", code, ref.Status, ref.Error)
			}
			if code != 200 {
				return
			}
			want, err := os.ReadFile(ref.File)
			if err != nil {
				t.Fatal(err)
			}
			ours, theirImg := decodeAny(t, body), decodeAny(t, want)
			if ours.Bounds().Size() != theirImg.Bounds().Size() {
				t.Fatalf("archive %v, iiif-processor %v", ours.Bounds().Size(), theirImg.Bounds().Size())
			}
			p := psnr(ours, theirImg)
			worst = min(worst, p)
			if p < 30 {
				t.Errorf("PSNR %.1f dB, want at least 30", p)
			}
		})
	}
	t.Logf("%d requests; lowest PSNR against iiif-processor %.1f dB", len(battery), worst)
}
