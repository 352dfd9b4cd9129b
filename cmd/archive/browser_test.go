package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive the web pages of a real `archive serve` process
// with headless Chromium (CI installs the Debian packages chromium and
// chromium-driver; elsewhere they skip). Each test saves a screenshot under
// its temp dir, logged as "screenshot: PATH"; with ARCHIVE_SCREENSHOT_DIR
// set, a copy is kept there too.

// chromiumPath finds the browser, or "" when none is installed.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChromium returns the browser, or skips the test in -short mode or
// when none is installed.
func needChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	chromium := chromiumPath()
	if chromium == "" {
		t.Skip("Chromium is not installed (apt-get install chromium chromium-driver; CI installs it): browser tests skipped")
	}
	return chromium
}

// webSite is an archive served by a real process, with keys.
type webSite struct {
	url             string
	agency, curator string
	chromium        string
	internalTitle   string
	publicTitles    []string
}

// newWebSite ingests generated JPEGs described by a metadata.csv (public
// and internal, published) and starts `archive serve`.
func newWebSite(t *testing.T) *webSite {
	t.Helper()
	chromium := needChromium(t)
	root := filepath.Join(t.TempDir(), "root")
	src := filepath.Join(t.TempDir(), "anh")
	files := []struct{ name, vi, en, cats, place, vis string }{
		{"den.jpg", "Lễ hội đền Hải Dương", "Hai Duong temple festival", "van-hoa-le-hoi", "288", "public"},
		{"pho.jpg", "Phố cổ Hải Dương", "Hai Duong old quarter", "du-lich", "288", "public"},
		{"conson.jpg", "Lễ hội Côn Sơn", "Con Son festival", "van-hoa-le-hoi", "290", "public"},
		{"chua.jpg", "Chùa Côn Sơn mùa xuân", "", "van-hoa-le-hoi;du-lich", "290", "public"},
		{"hoinghi.jpg", "Hội nghị xúc tiến đầu tư Hải Dương", "Hai Duong investment conference", "kinh-te-dau-tu", "288", "internal"},
	}
	var csv strings.Builder
	csv.WriteString("file,title_vi,title_en,categories,place,visibility,status,creator,credit,rights,licence\n")
	for i, f := range files {
		writeJPEG(t, filepath.Join(src, f.name), 400, 300, uint8(40*i+7))
		fmt.Fprintf(&csv, "%s,%s,%s,%s,%s,%s,published,Trần Văn Bình,Sở VHTTDL Hải Dương,© 2024 Sở VHTTDL,cc-by-4.0\n",
			f.name, f.vi, f.en, f.cats, f.place, f.vis)
	}
	if err := os.WriteFile(filepath.Join(src, "metadata.csv"), []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "--root", root, "ingest", "--no-server", "--json", src); r.code != 0 {
		t.Fatalf("ingest: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	key := func(role string) string {
		r := runCLI(t, "--root", root, "keys", "create", "--role", role, "--name", "Phòng "+role)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || len(lines) == 0 {
			t.Fatalf("keys create: %d %s", r.code, r.stderr)
		}
		return lines[len(lines)-1]
	}
	ws := &webSite{agency: key("agency"), curator: key("curator"), chromium: chromium,
		internalTitle: files[4].vi, publicTitles: []string{files[0].vi, files[1].vi}}
	si := startServer(t, root, "--rate-anon", "0", "--rate-key", "0")
	ws.url = si.URL
	return ws
}

// browse starts a fresh headless Chromium (its own profile, so its own
// cookies) and returns a tab bounded by 60 s. The screenshot is taken when
// the test ends, pass or fail.
func (ws *webSite) browse(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ws.chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 60*time.Second)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	shots := t.TempDir()
	t.Cleanup(func() {
		screenshot(t, tab, shots)
		cancelTab()
		cancelAlloc() // waits for Chromium to exit, before its profile is removed
		cancelTimeout()
	})
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start Chromium %s: %v", ws.chromium, err)
	}
	return tab
}

func screenshot(t *testing.T, tab context.Context, dir string) {
	if tab.Err() != nil {
		t.Logf("screenshot: none, the browser context ended (%v)", tab.Err())
		return
	}
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100) /* 100: PNG */)
	if err != nil {
		t.Logf("screenshot: failed: %v", err)
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", path)
	if keep := os.Getenv("ARCHIVE_SCREENSHOT_DIR"); keep != "" {
		if err := os.MkdirAll(keep, 0o755); err == nil && os.WriteFile(filepath.Join(keep, name), png, 0o644) == nil {
			t.Logf("screenshot kept: %s", filepath.Join(keep, name))
		}
	}
}

// waitURL waits until the tab's address contains want (a form or link led
// to a new page) and the new page is loaded.
func waitURL(want string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			// A page that is navigating answers "Inspected target
			// navigated or closed": asked again, the next one answers.
			loc, err := chromedp.Location()(ctx, t)
			if err == nil && strings.Contains(loc, want) {
				if _, err = chromedp.WaitReady(chromedp.CSS("footer"))(ctx, t); err == nil {
					return nil
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for an address with %q, at %s (%v): %w", want, loc, err, ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// search types words into the search box and submits it.
func search(words string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#q")),
		chromedp.Clear(chromedp.CSS("#q")),
		chromedp.SendKeys(chromedp.CSS("#q"), words),
		chromedp.Click(chromedp.CSS("#search-submit")),
		waitURL("q="+url.QueryEscape(words)),
	)
}

// signIn uses the sign-in form.
func signIn(base, key string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/signin"),
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), key),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#signout")),
	)
}

// text reads the visible text of the first element sel matches.
func text(t *testing.T, tab context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func do(t *testing.T, tab context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(tab, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestBrowser(t *testing.T) {
	ws := newWebSite(t)

	t.Run("SearchWithoutDiacritics", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab, chromedp.Navigate(ws.url+"/"), search("hai duong"))
		results, total := text(t, tab, ".results"), text(t, tab, "#total")
		for _, title := range ws.publicTitles {
			if !strings.Contains(results, title) {
				t.Errorf("searching \"hai duong\" did not find %q:\n%s", title, results)
			}
		}
		// The rest are in the old province's places, which match too.
		if strings.Contains(results, ws.internalTitle) || total != "4" {
			t.Errorf("signed out: total %s, results:\n%s", total, results)
		}
	})

	t.Run("FacetNarrows", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab, chromedp.Navigate(ws.url+"/?q="+url.QueryEscape("lễ hội")+"&lang=vi"))
		before, kindBefore := text(t, tab, "#total"), text(t, tab, `section[data-facet="kind"] .count`)
		do(t, tab,
			chromedp.Click(`//section[@data-facet="place"]//a[contains(., "Thành phố Chí Linh")]`),
			waitURL("place=290"))
		after, kindAfter := text(t, tab, "#total"), text(t, tab, `section[data-facet="kind"] .count`)
		results := text(t, tab, ".results")
		if before != "2" || after != "1" || kindBefore != "2" || kindAfter != "1" {
			t.Errorf("total %s → %s, photo count %s → %s", before, after, kindBefore, kindAfter)
		}
		if !strings.Contains(results, "Lễ hội Côn Sơn") || strings.Contains(results, "Lễ hội đền Hải Dương") {
			t.Errorf("after the place facet:\n%s", results)
		}
	})

	t.Run("AssetPageAttribution", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab,
			chromedp.Navigate(ws.url+"/?q="+url.QueryEscape("côn sơn")),
			chromedp.Click(`//li[contains(@class,"hit")]//a[contains(., "Lễ hội Côn Sơn")]`),
			waitURL("/assets/"))
		attribution, title := text(t, tab, "#attribution"), text(t, tab, "#asset-title")
		alt, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS("img.preview"), "alt"))
		if err != nil {
			t.Fatal(err)
		}
		if attribution != "Trần Văn Bình / Sở VHTTDL Hải Dương · © 2024 Sở VHTTDL · CC BY 4.0" || title != "Lễ hội Côn Sơn" || alt.Value != title {
			t.Errorf("attribution %q, title %q, alt %q", attribution, title, alt.Value)
		}
	})

	t.Run("InternalNeedsAgencyKey", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab, chromedp.Navigate(ws.url+"/?q="+url.QueryEscape("đầu tư")))
		anon := text(t, tab, ".results")
		do(t, tab, signIn(ws.url, ws.agency), chromedp.Navigate(ws.url+"/?q="+url.QueryEscape("đầu tư")))
		agency := text(t, tab, ".results")
		if strings.Contains(anon, ws.internalTitle) {
			t.Errorf("signed out, the internal asset is shown:\n%s", anon)
		}
		if !strings.Contains(agency, ws.internalTitle) {
			t.Errorf("with an agency key, the internal asset is missing:\n%s", agency)
		}
		// Its thumbnail loads with the session cookie.
		loaded, err := chromedp.Run(tab, chromedp.Poll[bool](
			`Array.from(document.querySelectorAll(".hit img")).every(i => i.complete && i.naturalWidth > 0)`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || !loaded {
			t.Errorf("thumbnails did not load for the signed-in agency: %v", err)
		}
	})

	t.Run("CuratorEditsTitle", func(t *testing.T) {
		tab := ws.browse(t)
		const newTitle = "Phố cổ Thành Đông Hải Dương"
		do(t, tab,
			signIn(ws.url, ws.curator),
			chromedp.Navigate(ws.url+"/?q="+url.QueryEscape("phố cổ")),
			chromedp.Click(`//li[contains(@class,"hit")]//a[contains(., "Phố cổ Hải Dương")]`),
			waitURL("/assets/"),
			chromedp.Click(chromedp.CSS("#edit-link")),
			waitURL("/edit"),
			chromedp.SetValue(chromedp.CSS("#title-vi"), newTitle),
			chromedp.Click(chromedp.CSS("#edit-save")),
			waitURL("saved=1"))
		notice := text(t, tab, ".notice")
		do(t, tab, chromedp.Navigate(ws.url+"/"), search("thanh dong"))
		results := text(t, tab, ".results")
		if notice == "" || !strings.Contains(results, newTitle) {
			t.Errorf("after the edit: notice %q, search:\n%s", notice, results)
		}
	})
}
