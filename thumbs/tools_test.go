package thumbs

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/media"
)

// needTool returns the tool r would run for in, skipping the test when it
// is missing (CI installs all of them: see .ci/run).
func needTool(t *testing.T, r *Renderer, in archive.RenderInput) {
	t.Helper()
	var tl *tool
	switch {
	case in.Kind == media.KindVideo:
		tl = &r.ffmpeg
	case in.MIME == "application/pdf":
		tl = &r.pdftoppm
	case isHEIF(in.MIME):
		tl = &r.heifConvert
	default:
		return
	}
	if tl.path == "" {
		t.Skipf("%s not found (apt install %s; CI installs it)", tl.name, tl.pkg)
	}
}

// displayRotation is the rotation a viewer applies: the video's display
// matrix, or a HEIF's irot box (which ExifTool reports as QuickTime:Rotation).
func (f corpusFile) displayRotation() int {
	for _, k := range []string{"Composite:Rotation", "QuickTime:Rotation"} {
		if v, ok := f.Exiftool[k].(float64); ok {
			return int(v)
		}
	}
	return 0
}

// expectedPlaceholder lists the corpus files that are well formed but that
// no tool can draw, and the words their warning must carry.
var expectedPlaceholder = map[string]string{
	"pdf/encrypted_password.pdf": "pdftoppm: exit status 1: Command Line Error: Incorrect password",
	"epub/minimal_no_title.epub": "EPUB has no cover image",
	// ExifTool's 3.8 KB sample keeps the MOV's boxes but not its media data.
	"video/exiftool_QuickTime.mov": "ffmpeg: exit status 1: ",
}

// TestCorpusTools draws every video, PDF, EPUB, HEIC/HEIF and AVIF of the
// corpus: real, upright renditions for the well-formed ones; an error or a
// placeholder with a warning, in bounded time, for the malformed ones.
func TestCorpusTools(t *testing.T) {
	root, files := corpus(t)
	r := New(Options{})
	var mu sync.Mutex
	drawn := map[string]int{}
	t.Run("files", func(t *testing.T) {
		for _, f := range files {
			if f.viaTool() {
				t.Run(f.Path, func(t *testing.T) {
					t.Parallel() // the tools run out of process; the Renderer bounds them
					if f.drawnByTool(t, r, root) {
						mu.Lock()
						drawn[f.Kind]++
						mu.Unlock()
					}
				})
			}
		}
	})
	t.Logf("real renditions by kind: %v", drawn)
}

// drawnByTool renders f and checks the result; it reports whether f got
// real renditions.
func (f corpusFile) drawnByTool(t *testing.T, r *Renderer, root string) bool {
	in := f.input(root)
	needTool(t, r, in)
	w, h := f.size()
	// Under the race detector only one large HEIC (the orientation
	// check) is drawn: decoding 12 MP costs ~10 s there.
	if raceEnabled && !f.Malformed && isHEIF(f.MIME) && w*h > 300_000 && f.Path != "heic/iPhone_7_orient6_GPS.heic" {
		t.Skipf("race detector on: %d×%d", w, h)
	}
	t0 := time.Now()
	res, err := renderWithin(t, r, in, 60*time.Second)
	if f.Malformed {
		if err == nil && len(res.Images) > 0 && !res.Images[0].Placeholder && len(res.Warnings) == 0 {
			t.Logf("malformed but drawn: %d×%d", res.Images[1].Width, res.Images[1].Height)
		} else if err == nil && len(res.Warnings) == 0 {
			t.Errorf("malformed: no error and no warning")
		}
		t.Logf("malformed: err %v, warnings %q", err, warningsOf(res))
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	if want, ok := expectedPlaceholder[f.Path]; ok {
		checkPlaceholder(t, f.Path, res)
		if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], want) {
			t.Errorf("warnings %q, want one with %q", res.Warnings, want)
		}
		return false
	}
	if len(res.Images) != 2 || res.Images[0].Placeholder || !res.HasPHash || len(res.Warnings) != 0 {
		t.Fatalf("%d images (placeholder %v), pHash %v, warnings %q",
			len(res.Images), len(res.Images) > 0 && res.Images[0].Placeholder, res.HasPHash, res.Warnings)
	}
	thumb := rendition(t, res, archive.RenditionThumb).Bounds()
	preview := rendition(t, res, archive.RenditionPreview).Bounds()
	if max(preview.Dx(), preview.Dy()) > PreviewSize || max(thumb.Dx(), thumb.Dy()) > ThumbSize {
		t.Errorf("preview %v, thumb %v: too large", preview, thumb)
	}
	if rot := f.displayRotation(); rot == 90 || rot == 270 {
		w, h = h, w
	}
	if w > 0 && h > 0 && (w < h) != (preview.Dx() < preview.Dy()) {
		t.Errorf("preview %d×%d, want the aspect of %d×%d: not upright", preview.Dx(), preview.Dy(), w, h)
	}
	if f.Path == "heic/iPhone_7_orient6_GPS.heic" && (preview.Dx() != 960 || preview.Dy() != 1280) {
		t.Errorf("preview %d×%d, want 960×1280 (3024×4032 upright, EXIF orientation 6 not applied twice)",
			preview.Dx(), preview.Dy())
	}
	t.Logf("preview %d×%d in %v", preview.Dx(), preview.Dy(), time.Since(t0).Round(time.Millisecond))
	return true
}

// fakeTool writes an executable shell script into dir.
func fakeTool(t *testing.T, dir, name, script string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestToolsMissing renders with every tool missing (placeholders naming the
// tool and its package; the record still ingests), then with the tools
// found: the same files get real renditions, as `archive rethumb` would.
func TestToolsMissing(t *testing.T) {
	root, _ := corpus(t)
	nowhere := filepath.Join(t.TempDir(), "nowhere")
	missing := New(Options{FFmpeg: nowhere, FFprobe: nowhere, PDFToPPM: nowhere, HeifConvert: nowhere})
	for _, st := range missing.Tools(context.Background()) {
		if st.Found || st.Path != "" || st.Version != "" || st.Package == "" || st.Without == "" {
			t.Errorf("missing tool reported as %+v", st)
		}
	}
	inputs := []struct {
		in   archive.RenderInput
		want string
	}{
		{archive.RenderInput{Path: filepath.Join(root, "video/Issue_515_GPS.mp4"), MIME: "video/mp4", Kind: media.KindVideo, DurationS: 3.6},
			"thumbs: ffmpeg not found (apt install ffmpeg); placeholder rendition"},
		{archive.RenderInput{Path: filepath.Join(root, "pdf/annotated.pdf"), MIME: "application/pdf", Kind: media.KindPublication},
			"thumbs: pdftoppm not found (apt install poppler-utils); placeholder rendition"},
		{archive.RenderInput{Path: filepath.Join(root, "heic/samplefilehub.heif"), MIME: "image/heif", Kind: media.KindPhoto},
			"thumbs: heif-convert not found (apt install libheif-examples); placeholder rendition"},
	}
	for _, tc := range inputs {
		t.Run(filepath.Base(tc.in.Path), func(t *testing.T) {
			res := render(t, missing, tc.in)
			checkPlaceholder(t, tc.in.Path, res)
			if len(res.Warnings) != 1 || res.Warnings[0] != tc.want {
				t.Errorf("%s: warnings %q, want %q", tc.in.Path, res.Warnings, tc.want)
			}
		})
	}

	found := New(Options{})
	for _, tc := range inputs {
		t.Run(filepath.Base(tc.in.Path), func(t *testing.T) {
			needTool(t, found, tc.in)
			res := render(t, found, tc.in)
			if len(res.Images) != 2 || res.Images[0].Placeholder || !res.HasPHash || len(res.Warnings) != 0 {
				t.Errorf("%s with the tool: %d images, warnings %q", tc.in.Path, len(res.Images), res.Warnings)
			}
		})
	}
}

// TestToolFailure: a tool that exits non-zero gives a placeholder whose
// warning carries its stderr; a missing original is an error.
func TestToolFailure(t *testing.T) {
	dir := t.TempDir()
	ff := fakeTool(t, dir, "ffmpeg", "echo 'moov atom not found' >&2\necho 'Invalid data found' >&2\nexit 1")
	r := New(Options{FFmpeg: ff})
	in := archive.RenderInput{Path: writeBytes(t, []byte("not a video"), "mp4"), MIME: "video/mp4", Kind: media.KindVideo}
	res := render(t, r, in)
	checkPlaceholder(t, "failing ffmpeg", res)
	want := "thumbs: ffmpeg: exit status 1: moov atom not found; Invalid data found; placeholder rendition"
	if len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}

	in.Path = filepath.Join(dir, "gone.mp4")
	if _, err := r.Render(context.Background(), in); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing original: err %v", err)
	}
}

// TestToolTimeoutAndCancel: a tool that hangs is killed at the timeout
// (with its children: the script's sleep would hold the pipes for
// WaitDelay otherwise), and cancelling the context kills it too.
func TestToolTimeoutAndCancel(t *testing.T) {
	hang := fakeTool(t, t.TempDir(), "ffmpeg", "sleep 30")
	in := archive.RenderInput{Path: writeBytes(t, []byte("x"), "mp4"), MIME: "video/mp4", Kind: media.KindVideo}

	const timeout = 500 * time.Millisecond
	r := New(Options{FFmpeg: hang, ToolTimeout: timeout})
	t0 := time.Now()
	res := render(t, r, in)
	if d := time.Since(t0); d > timeout+toolWaitDelay/2 {
		t.Errorf("Render took %v with a %v timeout", d, timeout)
	}
	checkPlaceholder(t, "hanging ffmpeg", res)
	if want := "thumbs: ffmpeg: killed after the 500ms timeout; placeholder rendition"; len(res.Warnings) != 1 || res.Warnings[0] != want {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}

	r = New(Options{FFmpeg: hang})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	_, err := r.Render(ctx, in)
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Render took %v after cancel", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: err %v", err)
	}
}

// TestToolConcurrency: no more tools run at once than ToolConcurrency.
func TestToolConcurrency(t *testing.T) {
	dir := t.TempDir()
	// Each run records itself in running/ for 200 ms and fails; the most
	// entries seen at once is the concurrency.
	running := filepath.Join(dir, "running")
	if err := os.Mkdir(running, 0o755); err != nil {
		t.Fatal(err)
	}
	peak := filepath.Join(dir, "peak")
	ff := fakeTool(t, dir, "ffmpeg", `f="`+running+`/$$"; touch "$f"
n=$(ls "`+running+`" | wc -l); echo "$n" >> "`+peak+`"
sleep 0.2; rm -f "$f"; exit 1`)
	r := New(Options{FFmpeg: ff, ToolConcurrency: 2})
	in := archive.RenderInput{Path: writeBytes(t, []byte("x"), "mp4"), MIME: "video/mp4", Kind: media.KindVideo}
	done := make(chan struct{})
	for range 6 {
		go func() {
			defer func() { done <- struct{}{} }()
			if _, err := r.Render(context.Background(), in); err != nil {
				t.Error(err)
			}
		}()
	}
	for range 6 {
		<-done
	}
	data, err := os.ReadFile(peak)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range strings.Fields(string(data)) {
		if n != "1" && n != "2" {
			t.Errorf("%s tools ran at once, want at most 2 (%q)", n, data)
		}
	}
}

func TestTools(t *testing.T) {
	r := New(Options{})
	for _, st := range r.Tools(context.Background()) {
		t.Logf("%+v", st)
		if st.Found && (st.Version == "" || !filepath.IsAbs(st.Path)) {
			t.Errorf("%s: found without a version or an absolute path: %+v", st.Name, st)
		}
	}
	for _, tc := range []struct{ stdout, stderr, want string }{
		{"ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc", "", "5.1.9-0+deb12u1"},
		{"", "pdftoppm version 22.12.0\nCopyright 2005-2022 The Poppler Developers", "22.12.0"},
		{" heif-convert  libheif version: 1.15.1\n-----\nUsage: heif-convert", "", "1.15.1"},
		{"", "odd tool 3\n", "odd tool 3"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			if got := versionOf([]byte(tc.stdout), tc.stderr); got != tc.want {
				t.Errorf("versionOf(%q, %q) = %q, want %q", tc.stdout, tc.stderr, got, tc.want)
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 8}
	for _, s := range []string{"abc", "defgh", "ijklmnopqrstuvwxyz", "12"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "uvwxyz12" {
		t.Errorf("tail %q", got)
	}
	called := 0
	o := &boundedBuffer{max: 4, full: func() { called++ }}
	if _, err := o.Write([]byte("abcd")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := o.Write([]byte("e")); !errors.Is(err, errToolOutput) {
			t.Errorf("over the limit: %v", err)
		}
	}
	if called != 1 {
		t.Errorf("full called %d times", called)
	}
}
