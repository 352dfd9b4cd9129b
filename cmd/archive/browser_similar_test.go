package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDuplicates: a curator opens the near-duplicates page, sees
// the two copies of one picture side by side, merges the descriptions into
// the better described one and withdraws the other.
func TestBrowserDuplicates(t *testing.T) {
	chromium := needChromium(t)
	root := filepath.Join(t.TempDir(), "root")
	src := filepath.Join(t.TempDir(), "anh")
	writeLookalike(t, filepath.Join(src, "goc.png"))
	writeLookalike(t, filepath.Join(src, "ban-sao.jpg"))
	csv := "file,title_vi,title_en,keywords,categories,status,creator,credit,rights,licence\n" +
		"goc.png,Văn Miếu Mao Điền,Mao Dien Temple of Literature,di tích,lich-su,published,Trần Văn Bình,Sở VHTTDL,© 2024 Sở VHTTDL,cc-by-4.0\n" +
		"ban-sao.jpg,Văn Miếu Mao Điền (bản sao),,văn miếu,du-lich,published,,,,\n"
	if err := os.WriteFile(filepath.Join(src, "metadata.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "--root", root, "ingest", "--no-server", "--json", src)
	if r.code != 0 || !strings.Contains(r.stdout, "looks like") {
		t.Fatalf("ingest: exit %d, no \"looks like\" warning\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	ids := parseIngest(t, r.stdout)
	keep, other := ids["goc.png"].ID, ids["ban-sao.jpg"].ID
	kr := runCLI(t, "--root", root, "keys", "create", "--role", "curator", "--name", "Phòng lưu trữ")
	lines := strings.Split(strings.TrimSpace(kr.stdout), "\n")
	if kr.code != 0 {
		t.Fatalf("keys create: %d %s", kr.code, kr.stderr)
	}
	ws := &webSite{url: startServer(t, root, "--rate-anon", "0", "--rate-key", "0").URL, chromium: chromium}
	curator := lines[len(lines)-1]

	// Its screenshot shows the group side by side.
	t.Run("GroupSideBySide", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab,
			signIn(ws.url, curator),
			chromedp.Navigate(ws.url+"/duplicates?lang=en"),
			chromedp.WaitVisible(chromedp.CSS("#group-1")))
		group := text(t, tab, "#group-1")
		for _, want := range []string{"Mao Dien Temple of Literature", "Văn Miếu Mao Điền (bản sao)", "192×128 px", "Metadata complete", "9/11", "4/11"} {
			if !strings.Contains(group, want) {
				t.Errorf("the group lacks %q:\n%s", want, group)
			}
		}
		checked, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS(`#group-1 input[name="keep"]:checked`), "value"))
		if err != nil || checked.Value != keep {
			t.Errorf("preselected to keep: %q (%v), want the better described %s", checked.Value, err, keep)
		}
	})

	t.Run("MergeAndWithdraw", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab,
			signIn(ws.url, curator),
			chromedp.Navigate(ws.url+"/duplicates?lang=en"),
			chromedp.Click(chromedp.CSS(`#group-1 button[value="merge"]`)),
			waitURL("done=1"))
		if notice, none := text(t, tab, ".notice"), text(t, tab, "#dup-none"); notice == "" || none == "" {
			t.Errorf("after the merge: notice %q, empty list %q", notice, none)
		}
		// The audit trail, on the asset pages (the server holds the archive).
		do(t, tab, chromedp.Navigate(ws.url+"/assets/"+keep+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(".history")))
		kept := text(t, tab, ".history")
		do(t, tab, chromedp.Navigate(ws.url+"/assets/"+other+"?lang=en"), chromedp.WaitVisible(chromedp.CSS(".history")))
		gone := text(t, tab, ".history")
		if !strings.Contains(kept, "văn miếu") || !strings.Contains(strings.ToLower(gone), "withdrawn") {
			t.Errorf("audit trail: kept\n%s\nwithdrawn\n%s", kept, gone)
		}
	})
}
