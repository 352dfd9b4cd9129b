package api

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// send sends a JSON body and decodes the answer into out (when not nil).
func (f *fixture) send(method, path, who string, body any, out any) int {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	resp := f.do(method, path, who, rd, "Content-Type", "application/json")
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func itemIDs(c collectionOut) []string {
	var ids []string
	for _, a := range c.Items {
		ids = append(ids, a.ID)
	}
	return ids
}

// newCollection makes a collection as the agency key holding pub and
// internal, with the visibility vis.
func (f *fixture) newCollection(vis string) collectionOut {
	f.t.Helper()
	var c collectionOut
	if code := f.send("POST", "/v1/collections", "agency", map[string]any{
		"title": map[string]string{"vi": "Tập gấp du lịch", "en": "Tourism brochure"}, "visibility": vis,
	}, &c); code != http.StatusCreated {
		f.t.Fatalf("create: %d", code)
	}
	if code := f.send("POST", collectionPath(c.ID)+"/items", "agency", ItemsRequest{Action: "add", IDs: []string{f.ids["pub"], f.ids["internal"]}}, &c); code != 200 {
		f.t.Fatalf("add: %d", code)
	}
	return c
}

func TestCollectionsAPI(t *testing.T) {
	f := newFixture(t, nil)
	title := map[string]any{"title": map[string]string{"vi": "Bộ sưu tập"}}
	for _, tc := range []struct {
		name, who string
		want      int
	}{{"anonymous", "", 401}, {"portal", "portal", 403}, {"revoked", "revoked", 401}} {
		t.Run("create as "+tc.name, func(t *testing.T) {
			if code := f.send("POST", "/v1/collections", tc.who, title, nil); code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
		})
	}
	c := f.newCollection("private")
	// The draft is not the agency's to see: it cannot be added.
	if code := f.send("POST", collectionPath(c.ID)+"/items", "agency", ItemsRequest{Action: "add", IDs: []string{f.ids["draft"]}}, nil); code != 400 {
		t.Errorf("adding an asset the agency may not see: %d", code)
	}
	if code := f.send("POST", collectionPath(c.ID)+"/items", "curator", ItemsRequest{Action: "add", IDs: []string{f.ids["draft"]}, Position: new(int)}, &c); code != 200 {
		t.Fatalf("curator adds the draft: %d", code)
	}
	if want := []string{f.ids["draft"], f.ids["pub"], f.ids["internal"]}; !slices.Equal(itemIDs(c), want) {
		t.Errorf("curator sees %v, want %v", itemIDs(c), want)
	}
	if code := f.send("POST", collectionPath(c.ID)+"/items", "agency", ItemsRequest{Action: "move", IDs: []string{f.ids["internal"]}, Position: new(int)}, &c); code != 200 {
		t.Fatalf("move: %d", code)
	}
	// The agency sees the collection without the draft it may not see.
	if want := []string{f.ids["internal"], f.ids["pub"]}; !slices.Equal(itemIDs(c), want) || c.ItemCount != 2 {
		t.Errorf("agency sees %v (%d), want %v", itemIDs(c), c.ItemCount, want)
	}
	if len(c.Log) < 4 || c.Log[len(c.Log)-1].Field != "items" || c.Log[len(c.Log)-1].Who != "Sở Du lịch agency" {
		t.Errorf("log %+v", c.Log)
	}
	for _, tc := range []struct {
		name, who string
		want      int
	}{{"owner", "agency", 200}, {"curator", "curator", 200}, {"portal", "portal", 404}, {"anonymous", "", 404}} {
		t.Run("private seen by "+tc.name, func(t *testing.T) {
			if code, _, _ := f.get(collectionPath(c.ID), tc.who); code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
		})
	}
	if code := f.send("PATCH", collectionPath(c.ID), "agency", map[string]any{"visibility": "public", "cover": f.ids["pub"]}, &c); code != 200 {
		t.Fatalf("patch: %d", code)
	}
	var anon collectionOut
	if code := f.send("GET", collectionPath(c.ID), "", nil, &anon); code != 200 {
		t.Fatalf("anonymous get of a public collection: %d", code)
	}
	if want := []string{f.ids["pub"]}; !slices.Equal(itemIDs(anon), want) || anon.ItemCount != 1 || anon.Log != nil || anon.Editable {
		t.Errorf("anonymous sees %+v", anon)
	}
	if code := f.send("PATCH", collectionPath(c.ID), "curator", map[string]any{"cover": f.ids["internal"] + "0"}, nil); code != 422 {
		t.Errorf("cover outside: %d, want 422", code)
	}
	var list struct{ Collections []collectionOut }
	f.send("GET", "/v1/collections", "", nil, &list)
	if len(list.Collections) != 1 || list.Collections[0].Cover != f.ids["pub"] {
		t.Errorf("anonymous list %+v", list)
	}
	if code := f.send("DELETE", collectionPath(c.ID), "portal", nil, nil); code != 403 {
		t.Errorf("portal deletes: %d", code)
	}
	if code := f.send("DELETE", collectionPath(c.ID), "agency", nil, nil); code != 204 {
		t.Errorf("owner deletes: %d", code)
	}
	if code, _, _ := f.get(collectionPath(c.ID), "curator"); code != 404 {
		t.Errorf("after delete: %d", code)
	}
}

// readZip unzips body into name → bytes, in order.
func readZip(t *testing.T, body []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		names = append(names, zf.Name)
		files[zf.Name] = b
	}
	return names, files
}

func TestCollectionZip(t *testing.T) {
	f := newFixture(t, nil)
	c := f.newCollection("public")
	rend := f.srv.withRights(t.Context(), jpegBytes(t, 32, 24, 1), "image/jpeg", f.rec(f.ids["pub"]), f.ts.URL) // the preview as sent
	for _, tc := range []struct {
		name, who string
		files     []string
		want      [][]byte
	}{
		{"agency gets originals", "agency", []string{"001-Lễ hội Côn Sơn.jpg", "002-noi-bo.jpg"}, [][]byte{f.content[f.ids["pub"]], f.content[f.ids["internal"]]}},
		{"anonymous gets the preview of what it may see", "", []string{"001-Lễ hội Côn Sơn.jpg"}, [][]byte{rend}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, h := f.get(collectionPath(c.ID)+"/download", tc.who)
			if code != 200 || h.Get("Content-Type") != "application/zip" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
				t.Fatalf("status %d, headers %v", code, h)
			}
			names, files := readZip(t, body)
			if want := append(slices.Clone(tc.files), "CREDITS.txt", "credits.csv"); !slices.Equal(names, want) {
				t.Fatalf("files %q, want %q", names, want)
			}
			for i, n := range tc.files {
				if !bytes.Equal(files[n], tc.want[i]) {
					t.Errorf("%s: %d bytes differ from the expected %d", n, len(files[n]), len(tc.want[i]))
				}
			}
			credits := string(files["CREDITS.txt"])
			for _, s := range []string{"Tập gấp du lịch", "Tourism brochure", "001-Lễ hội Côn Sơn.jpg", "Tiêu đề / Title (vi): Lễ hội Côn Sơn",
				"Tiêu đề / Title (en): Con Son festival", "Tác giả / Creator: Nguyễn Thị Ánh", "Ghi công / Credit line: Sở VHTTDL", "Giấy phép / Licence: CC BY 4.0"} {
				if !strings.Contains(credits, s) {
					t.Errorf("CREDITS.txt lacks %q:\n%s", s, credits)
				}
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(files["credits.csv"], []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tc.files)+1 || rows[0][0] != "file" {
				t.Fatalf("credits.csv %q", rows)
			}
			if r := rows[1]; r[0] != tc.files[0] || r[1] != f.ids["pub"] || r[2] != "Lễ hội Côn Sơn" || r[3] != "Con Son festival" || r[4] != "Nguyễn Thị Ánh" || r[7] != "CC BY 4.0" {
				t.Errorf("credits.csv row %q", r)
			}
		})
	}
}

func TestShareLinks(t *testing.T) {
	f := newFixture(t, nil)
	var mu sync.Mutex
	served := map[string]int{}
	f.srv.deps.OnServed = func(id, role, what string) {
		mu.Lock()
		defer mu.Unlock()
		served[role+" "+what]++
	}
	c := f.newCollection("private")
	if code := f.send("POST", collectionPath(c.ID)+"/shares", "portal", ShareRequest{Days: 7}, nil); code != 404 {
		t.Errorf("a stranger shares a private collection: %d", code)
	}
	if code := f.send("POST", collectionPath(c.ID)+"/shares", "agency", ShareRequest{Days: 400}, nil); code != 422 {
		t.Errorf("a share of 400 days: %d", code)
	}
	var view, dl shareOut
	if code := f.send("POST", collectionPath(c.ID)+"/shares", "agency", ShareRequest{Days: 7}, &view); code != 201 {
		t.Fatalf("share: %d", code)
	}
	if code := f.send("POST", collectionPath(c.ID)+"/shares", "agency", ShareRequest{Days: 7, Download: true}, &dl); code != 201 {
		t.Fatalf("share: %d", code)
	}
	var got struct {
		Collection collectionOut `json:"collection"`
		Download   bool          `json:"download"`
	}
	if code := f.send("GET", sharePath(view.Token), "", nil, &got); code != 200 {
		t.Fatalf("share view: %d", code)
	}
	// The link sees what its agency maker sees.
	if want := []string{f.ids["pub"], f.ids["internal"]}; !slices.Equal(itemIDs(got.Collection), want) || got.Download || got.Collection.Log != nil {
		t.Errorf("share sees %+v", got)
	}
	internal := "/assets/" + f.ids["internal"]
	for _, tc := range []struct {
		name, path string
		want       int
	}{
		{"rendition", sharePath(view.Token) + internal + "/renditions/thumb", 200},
		{"asset outside the collection", sharePath(view.Token) + "/assets/" + f.ids["draft"] + "/renditions/thumb", 404},
		{"original without download", sharePath(view.Token) + internal + "/original", 404},
		{"zip without download", sharePath(view.Token) + "/download", 403},
		{"original with download", sharePath(dl.Token) + internal + "/original", 200},
		{"zip with download", sharePath(dl.Token) + "/download", 200},
		{"large size without download", sharePath(view.Token) + internal + "/download?size=large", 404},
		{"small size with download", sharePath(dl.Token) + internal + "/download?size=small", 200},
		{"unknown token", sharePath(view.Token + "x"), 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := f.get(tc.path, "")
			if code != tc.want {
				t.Fatalf("status %d, want %d", code, tc.want)
			}
			if strings.HasSuffix(tc.path, "/original") && code == 200 && !bytes.Equal(body, f.content[f.ids["internal"]]) {
				t.Errorf("original bytes differ")
			}
		})
	}
	var shares struct{ Shares []map[string]any }
	f.send("GET", collectionPath(c.ID)+"/shares", "agency", nil, &shares)
	if len(shares.Shares) != 2 || shares.Shares[0]["token"] != nil {
		t.Errorf("shares %v", shares)
	}
	if code := f.send("DELETE", collectionPath(c.ID)+"/shares/"+view.ID, "agency", nil, nil); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if code, _, _ := f.get(sharePath(view.Token), ""); code != 404 {
		t.Errorf("revoked link: %d", code)
	}
	mu.Lock()
	defer mu.Unlock()
	// Two originals alone, two in the ZIP; the thumb and the small size.
	if served["share original"] != 3 || served["share rendition"] != 2 {
		t.Errorf("served %v", served)
	}
}

func TestRedactPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/v1/shares/hds_secret", "/v1/shares/…"},
		{"/v1/shares/hds_secret/download", "/v1/shares/…/download"},
		{"/shares/hds_secret", "/shares/…"},
		{"/v1/assets/abc", "/v1/assets/abc"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := redactPath(tc.in); got != tc.want {
				t.Errorf("redactPath(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
