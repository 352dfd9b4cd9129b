package main

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserCollections: an agency gathers two search results into a new
// collection, shares it, and a newspaper without a key opens the link.
func TestBrowserCollections(t *testing.T) {
	ws := newWebSite(t)
	var link string
	t.Run("AgencyCollectsAndShares", func(t *testing.T) {
		tab := ws.browse(t)
		do(t, tab,
			signIn(ws.url, ws.agency),
			chromedp.Navigate(ws.url+"/?q="+url.QueryEscape("côn sơn")),
			chromedp.WaitVisible(chromedp.CSS(`input[name="ids"]`)),
			chromedp.Click(`//li[contains(@class,"hit")][contains(., "Lễ hội Côn Sơn")]//input[@name="ids"]`),
			chromedp.Click(`//li[contains(@class,"hit")][contains(., "Chùa Côn Sơn mùa xuân")]//input[@name="ids"]`),
			chromedp.Click(chromedp.CSS("#add-selected")),
			waitURL("/collections/add"),
			chromedp.SendKeys(chromedp.CSS("#new-title"), "Tập gấp Côn Sơn"),
			chromedp.Click(chromedp.CSS("#add-submit")),
			waitURL("/collections/"))
		title, items := text(t, tab, "#collection-title"), text(t, tab, "#items")
		if title != "Tập gấp Côn Sơn" || !strings.Contains(items, "Lễ hội Côn Sơn") || !strings.Contains(items, "Chùa Côn Sơn mùa xuân") {
			t.Fatalf("collection %q with:\n%s", title, items)
		}
		do(t, tab,
			chromedp.Click(`//form[@id="share-form"]//input[@name="download"]`),
			chromedp.Click(chromedp.CSS("#make-share")),
			chromedp.WaitVisible(chromedp.CSS("#new-share")))
		href, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS("#new-share"), "href"))
		if err != nil || !strings.HasPrefix(href.Value, "/shares/hds_") {
			t.Fatalf("share link %q: %v", href.Value, err)
		}
		link = href.Value
	})
	t.Run("NewspaperOpensTheLink", func(t *testing.T) {
		if link == "" {
			t.Skip("no share link")
		}
		tab := ws.browse(t)
		do(t, tab, chromedp.Navigate(ws.url+link), chromedp.WaitVisible(chromedp.CSS("#items")))
		items, nav := text(t, tab, "#items"), text(t, tab, "nav")
		if strings.Contains(nav, "share link") {
			t.Errorf("the link's holder is shown as signed in: %s", nav)
		}
		if !strings.Contains(items, "Lễ hội Côn Sơn") || !strings.Contains(items, "Chùa Côn Sơn mùa xuân") {
			t.Errorf("the shared collection shows:\n%s", items)
		}
		loaded, err := chromedp.Run(tab, chromedp.Poll[bool](
			`Array.from(document.querySelectorAll("#items img")).every(i => i.complete && i.naturalWidth > 0)`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || !loaded {
			t.Errorf("the shared thumbnails did not load: %v", err)
		}
		if _, err := chromedp.Run(tab, chromedp.WaitVisible(chromedp.CSS("#zip-download"))); err != nil {
			t.Errorf("no ZIP download on a link that allows it: %v", err)
		}
	})
}
