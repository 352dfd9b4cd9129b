//go:build loadtest

package api

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
	"github.com/haiduong/promo-archive/indexer"
)

// TestLoad (make loadtest) serves a generated archive of LOADTEST_RECORDS
// records (default 10 000) on loopback and runs LOADTEST_CLIENTS concurrent
// clients (default 200) for LOADTEST_DURATION (default 30s) over search,
// record and rendition requests, then prints throughput, p50/p99 and
// errors. It fails on any error.
func TestLoad(t *testing.T) {
	nrec := envInt("LOADTEST_RECORDS", 10000)
	clients := envInt("LOADTEST_CLIENTS", 200)
	dur, err := time.ParseDuration(envStr("LOADTEST_DURATION", "30s"))
	if err != nil || dur > 5*time.Minute {
		t.Fatalf("LOADTEST_DURATION %q: want a duration up to 5m", os.Getenv("LOADTEST_DURATION"))
	}
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm" // bbolt fsyncs every Put; tmpfs keeps the setup short
	}
	root, err := os.MkdirTemp(base, "archive-load-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	a, err := archive.Open(root, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()

	start := time.Now()
	words := []string{"lễ hội", "chợ", "chùa", "đền", "sông", "làng nghề", "vải thiều", "gốm", "du lịch", "côn sơn", "kiếp bạc", "thanh hà"}
	places := []string{"288", "290", "291", "292", "293", "294", "295", "296", "297", "298", "299", "300"}
	cats := []string{"tong-quan", "lich-su", "van-hoa-le-hoi", "danh-thang", "lang-nghe-dac-san", "du-lich"}
	rend := jpegBytes(t, 320, 240, 9)
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]string, 0, nrec)
	for i := range nrec {
		w1, w2 := words[rng.IntN(len(words))], words[rng.IntN(len(words))]
		vis, st := archive.Public, archive.Published
		if i%10 == 0 {
			vis = archive.Internal
		}
		if i%17 == 0 {
			st = archive.Draft
		}
		rec := baseRecord(fmt.Sprintf("IMG_%05d.jpg", i), vis, st, map[string]string{
			"vi": fmt.Sprintf("%s %s số %d", w1, w2, i), "en": fmt.Sprintf("Photo %d", i)})
		at := time.Date(2000+i%25, time.Month(1+i%12), 1+i%28, 8, 0, 0, 0, time.UTC)
		rec.CapturedAt = &at
		rec.Keywords = []string{w1, w2}
		rec.Categories = []string{cats[i%len(cats)]}
		rec.Place = &archive.Place{Code: places[i%len(places)]}
		putAsset(t, a, rec, []byte(fmt.Sprintf("original %d", i)), rend)
		if vis == archive.Public && st == archive.Published {
			ids = append(ids, rec.ID)
		}
	}
	t.Logf("stored %d records in %s", nrec, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	ix, err := indexer.Open(t.Context(), filepath.Join(root, "index.bleve"), a.Store(), indexer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	t.Logf("indexed in %s", time.Since(start).Round(time.Millisecond))

	cfg := DefaultConfig()
	// Every client comes from 127.0.0.1: per-IP limits would measure the limiter.
	cfg.RateAnon, cfg.RateKey = 0, 0
	if v, err := strconv.Atoi(os.Getenv("LOADTEST_SEARCH_CACHE")); err == nil && v >= 0 {
		cfg.SearchCache = v // 0 measures the index alone
	}
	srv, err := New(cfg, Deps{Records: a.Store(), Search: ix, Stats: a.Store(), Files: a, Keys: keys.New(a.Store())})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2, IdleConnTimeout: time.Minute}
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	type sample struct {
		kind int
		d    time.Duration
		err  bool
	}
	kinds := []string{"search", "record", "rendition"}
	results := make([][]sample, clients)
	errMsgs := make(chan string, 10)
	// A warm-up (LOADTEST_WARMUP, default 5s) fills the caches and the
	// connection pools first; its requests are checked for errors but not
	// timed, as in any steady-state measurement.
	warm, err := time.ParseDuration(envStr("LOADTEST_WARMUP", "5s"))
	if err != nil || warm > time.Minute {
		t.Fatalf("LOADTEST_WARMUP %q: want a duration up to 1m", os.Getenv("LOADTEST_WARMUP"))
	}
	measureFrom := time.Now().Add(warm)
	deadline := measureFrom.Add(dur)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 7))
			for time.Now().Before(deadline) {
				k := r.IntN(4) // 2/4 search, 1/4 record, 1/4 rendition
				var u string
				switch k {
				case 0, 1:
					k = 0
					u = fmt.Sprintf("/v1/assets?q=%s&page=%d&size=20", urlq(words[r.IntN(len(words))]), 1+r.IntN(3))
					if r.IntN(3) == 0 {
						u += "&facets=category,place,year&place=" + places[r.IntN(len(places))]
					}
				case 2:
					k = 1
					u = "/v1/assets/" + ids[r.IntN(len(ids))]
				default:
					k = 2
					u = "/v1/assets/" + ids[r.IntN(len(ids))] + "/renditions/thumb"
				}
				t0 := time.Now()
				resp, err := hc.Get(ts.URL + u)
				bad := err != nil
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					bad = resp.StatusCode != 200
					if bad {
						select {
						case errMsgs <- fmt.Sprintf("%s: %d", u, resp.StatusCode):
						default:
						}
					}
				} else {
					select {
					case errMsgs <- err.Error():
					default:
					}
				}
				if t0.After(measureFrom) || bad {
					results[c] = append(results[c], sample{k, time.Since(t0), bad})
				}
			}
		}()
	}
	wg.Wait()
	close(errMsgs)

	var all []time.Duration
	per := make([][]time.Duration, len(kinds))
	errs := 0
	for _, rs := range results {
		for _, s := range rs {
			all = append(all, s.d)
			per[s.kind] = append(per[s.kind], s.d)
			if s.err {
				errs++
			}
		}
	}
	pct := func(ds []time.Duration, p float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		slices.Sort(ds)
		return ds[min(len(ds)-1, int(float64(len(ds))*p))]
	}
	fmt.Printf("loadtest: %d records, %d clients, %s on loopback after a %s warm-up\n", nrec, clients, dur, warm)
	hits, misses := srv.searches.ratio()
	fmt.Printf("  search cache: %d entries at most, %d hits, %d misses\n", cfg.SearchCache, hits, misses)
	fmt.Printf("  all        %7d requests  %8.0f req/s  p50 %7s  p99 %7s  errors %d\n",
		len(all), float64(len(all))/dur.Seconds(), pct(all, .5).Round(10*time.Microsecond), pct(all, .99).Round(10*time.Microsecond), errs)
	for i, k := range kinds {
		fmt.Printf("  %-10s %7d requests  %8.0f req/s  p50 %7s  p99 %7s\n", k, len(per[i]), float64(len(per[i]))/dur.Seconds(),
			pct(per[i], .5).Round(10*time.Microsecond), pct(per[i], .99).Round(10*time.Microsecond))
	}
	for m := range errMsgs {
		t.Log("error:", m)
	}
	if errs > 0 {
		t.Errorf("%d errors", errs)
	}
	if p99 := pct(all, .99); p99 > 100*time.Millisecond {
		t.Logf("p99 %s is above the 100 ms target", p99)
	}
}

func urlq(s string) string { return url.QueryEscape(s) }

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func envStr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
