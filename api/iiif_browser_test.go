package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOpenSeadragonZooms opens a large photo in OpenSeadragon (npm) in
// headless Chromium through info.json and tiles, with a portal key (sent
// by OpenSeadragon's own ajax tile loader), zooms to full detail and
// checks that the tiles there loaded; the screenshot is kept like the
// browser tests' (ARCHIVE_SCREENSHOT_DIR, else the test's temp dir).
func TestOpenSeadragonZooms(t *testing.T) {
	chromium := needChromium(t)
	mods := nodeModules(t, "openseadragon")
	w, h := 6000, 4000 // 24 MP
	if raceEnabled {
		w, h = 3000, 2000
	}
	f := newIIIFFixture(t, smoothScene(w, h))
	page := fmt.Sprintf(`<!doctype html><html><body style="margin:0">
<div id="v" style="width:1000px;height:700px;background:#000"></div>
<script src="/lib/openseadragon.min.js"></script>
<script>
window.loaded = 0; window.failed = 0;
const viewer = OpenSeadragon({id: "v", prefixUrl: "/lib/images/", tileSources: "/iiif/3/%s/info.json",
  loadTilesWithAjax: true, ajaxHeaders: {Authorization: "Bearer %s"}, animationTime: 0, showNavigationControl: false,
  timeout: 180000});
viewer.addHandler("open", () => { window.opened = true; });
viewer.addHandler("open-failed", (e) => { window.openFailed = String(e.message); });
window.atFull = 0;
viewer.addHandler("tile-loaded", (e) => { window.loaded++; if (e.tile.level === viewer.source.maxLevel) window.atFull++; });
viewer.addHandler("tile-load-failed", (e) => { window.failed++; window.failure = String(e.message); });
</script></body></html>`, f.ids["big"], f.keys["portal"])
	site, tab := browserPage(t, chromium, f.fixture, filepath.Join(mods, "openseadragon", "build", "openseadragon"), page)
	// Decode the original once before the viewer asks for tiles, so that
	// a slow (-race, loaded) machine does not time the first tiles out.
	if code, body, _ := f.get("/iiif/3/"+f.ids["big"]+"/0,0,512,512/64,/0/default.jpg", "portal"); code != 200 {
		t.Fatalf("first tile: %d %s", code, body)
	}
	fullyLoaded := `viewer.world.getItemCount() > 0 && viewer.world.getItemAt(0).getFullyLoaded()`
	eval := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(tab, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	wait := func(expr string, d time.Duration) error {
		_, err := chromedp.Run(tab, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingTimeout(d)))
		return err
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1000, 700), chromedp.Navigate(site+"/viewer.html")); err != nil {
		t.Fatalf("Chromium %s: %v", chromium, err)
	}
	if err := wait(`window.opened || window.openFailed`, time.Minute); err != nil || eval(`window.opened ? 1 : 0`) != 1 {
		failure, _ := chromedp.Run(tab, chromedp.Evaluate[string](`String(window.openFailed)`))
		t.Fatalf("OpenSeadragon did not open the image: %v %s", err, failure)
	}
	if err := wait(fullyLoaded, time.Minute); err != nil {
		t.Fatalf("the whole image did not load: %v (screenshot %s)", err, screenshotTo(t, tab))
	}
	before := eval(`window.loaded`)
	size := []int{eval(`viewer.world.getItemAt(0).source.width`), eval(`viewer.world.getItemAt(0).source.height`)}
	// Full detail: one image pixel per screen pixel, at the centre.
	eval(`viewer.viewport.zoomTo(viewer.world.getItemAt(0).imageToViewportZoom(1), null, true), window.zoomedAt = Date.now(), 1`)
	// The tiles of a 1000×700 view at full detail: at least 2 × 2.
	err := wait(`window.atFull >= 4 && Date.now() - window.zoomedAt > 500 && `+fullyLoaded, 2*time.Minute)
	shot := screenshotTo(t, tab)
	if err != nil {
		t.Fatalf("zoom: %v (screenshot %s)", err, shot)
	}
	after, atFull, failed := eval(`window.loaded`), eval(`window.atFull`), eval(`window.failed`)
	if size[0] != w || size[1] != h || before < 1 || atFull < 4 || failed != 0 {
		t.Errorf("image %v, tiles loaded %d, then %d at full detail, %d failed", size, before, atFull, failed)
	}
	// The tiles at full detail were 512-pixel cuts of the original (the
	// disk cache holds them under the portal's variant).
	if _, n := f.srv.iiif.cache.usage(); n < after {
		t.Errorf("%d derivatives cached for %d tiles", n, after)
	}
	t.Logf("%d×%d: %d tiles for the whole image, %d more (%d at full detail) after zooming in; screenshot %s", w, h, before, after-before, atFull, shot)
}

// needChromium returns the browser's path, or skips the test.
func needChromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("Chromium is not installed (apt-get install chromium; CI installs it)")
	return ""
}

// browserPage serves page at /viewer.html, the files of lib under /lib/
// and f's API for the rest, on one origin as on the portal, and opens a
// headless Chromium tab (closed when the test ends). It returns the
// site's URL and the tab.
func browserPage(t *testing.T, chromium string, f *fixture, lib, page string) (string, context.Context) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/lib/", http.StripPrefix("/lib/", http.FileServer(http.Dir(lib))))
	mux.HandleFunc("/viewer.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	})
	mux.Handle("/", f.srv.Handler())
	site := httptest.NewServer(mux)
	t.Cleanup(site.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromium), chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true), chromedp.UserDataDir(t.TempDir()))
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for Chromium to exit, before its profile is removed
		cancel()
	})
	return site.URL, tab
}

// TestMiradorOpensManifest opens an asset's manifest in Mirador 4 (npm) in
// headless Chromium: the window shows the manifest's label and draws the
// canvas through the image service.
func TestMiradorOpensManifest(t *testing.T) {
	chromium := needChromium(t)
	mods := nodeModules(t, "mirador")
	f := newIIIFFixture(t, nil)
	page := fmt.Sprintf(`<!doctype html><html><body style="margin:0">
<div id="m" style="position:absolute;width:1200px;height:800px"></div>
<script src="/lib/mirador.min.js"></script>
<script>
Mirador.viewer({id: "m", windows: [{manifestId: location.origin + "/iiif/3/%s/manifest"}],
  window: {allowClose: false}, workspaceControlPanel: {enabled: false}});
</script></body></html>`, f.ids["big"])
	site, tab := browserPage(t, chromium, f.fixture, filepath.Join(mods, "mirador", "dist"), page)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1200, 800), chromedp.Navigate(site+"/viewer.html")); err != nil {
		t.Fatalf("Chromium %s: %v", chromium, err)
	}
	// The label in the window's title bar, and OpenSeadragon's canvas
	// drawn from tiles of the image service.
	_, err := chromedp.Run(tab, chromedp.Poll[bool](`document.body.innerText.includes("Bốn góc") &&
		performance.getEntriesByType("resource").some(e => e.name.includes("/default.jpg")) &&
		!!document.querySelector(".openseadragon-canvas canvas")`, chromedp.WithPollingTimeout(time.Minute)))
	shot := screenshotTo(t, tab)
	if err != nil {
		text, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("Mirador did not show the manifest: %v\n%s\n(screenshot %s)", err, text, shot)
	}
	t.Logf("screenshot %s", shot)
}

// screenshotTo saves the tab's screenshot in ARCHIVE_SCREENSHOT_DIR (or
// the test's temp dir) and returns its path.
func screenshotTo(t *testing.T, tab context.Context) string {
	dir := os.Getenv("ARCHIVE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		return "none: " + err.Error()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "none: " + err.Error()
	}
	p := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		return "none: " + err.Error()
	}
	return p
}
