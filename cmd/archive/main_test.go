package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// childEnv names the variable that turns the test binary into the archive
// command, so crash tests can kill a real process.
const childEnv = "ARCHIVE_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(childEnv); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			os.Exit(99)
		}
		os.Exit(runProcess(argv, false))
	}
	os.Exit(m.Run())
}

// childCommand returns the archive command as a real subprocess.
func childCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(b))
	return cmd
}

type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs the archive command in-process.
func runCLI(t *testing.T, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, false)
	return cliResult{out.String(), errb.String(), code}
}

// ingestLine is one line of `archive ingest --json`.
type ingestLine struct {
	Path   string `json:"path"`
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error"`
}

func parseIngest(t *testing.T, out string) map[string]ingestLine {
	t.Helper()
	m := map[string]ingestLine{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l ingestLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("ingest --json printed a line that is not JSON: %q", sc.Text())
		}
		m[filepath.Base(l.Path)] = l
	}
	return m
}

func writeJPEG(t testing.TB, path string, w, h int, seed uint8) {
	t.Helper()
	writePicture(t, path, func(out io.Writer) error {
		return jpeg.Encode(out, testPicture(w, h, seed), &jpeg.Options{Quality: 85})
	})
}

func writePNG(t testing.TB, path string, w, h int, seed uint8) {
	t.Helper()
	writePicture(t, path, func(out io.Writer) error { return png.Encode(out, testPicture(w, h, seed)) })
}

// testPicture is a w×h gradient that differs with seed.
func testPicture(w, h int, seed uint8) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x*3) + seed, uint8(y * 2), seed * 5, 255})
		}
	}
	return img
}

// writePicture writes what encode makes to path, creating its folder.
func writePicture(t testing.TB, path string, encode func(io.Writer) error) {
	t.Helper()
	var buf bytes.Buffer
	if err := encode(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
