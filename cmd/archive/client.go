package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/api"
	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
	"github.com/haiduong/promo-archive/indexer"
)

// apiClient talks to a running `archive serve` of the same root, with the
// local admin token from ROOT/server.json.
type apiClient struct {
	base  string
	token string
	hc    *http.Client
}

// remoteError is a problem the server answered.
type remoteError struct {
	status  int
	problem api.Problem
}

func (e *remoteError) Error() string {
	if e.problem.Detail != "" {
		return e.problem.Detail
	}
	return fmt.Sprintf("server answered %d %s", e.status, http.StatusText(e.status))
}

// noServerUsage is the help of --no-server (ingest, search).
const noServerUsage = "do not use a running server: open the archive here. While 'archive serve' holds this root that fails after 2 s with \"another process holds the archive\"; useful only to check that, since without the flag a server.json whose server is gone is ignored anyway"

// serverClient returns a client for the server that holds the root, or nil
// when there is none: no ROOT/server.json, or one whose server does not
// answer /healthz (stale, left by a killed server).
func (g *globalOptions) serverClient(ctx context.Context, noServer bool) *apiClient {
	if noServer {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(g.root, serverFileName))
	if err != nil {
		return nil
	}
	var si serverInfo
	if err := json.Unmarshal(b, &si); err != nil || si.URL == "" {
		return nil
	}
	c := &apiClient{base: strings.TrimSuffix(si.URL, "/"), token: si.Token, hc: &http.Client{}}
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.do(hctx, http.MethodGet, "/healthz", nil, nil); err != nil {
		return nil
	}
	return c
}

// do sends a request with a JSON body (when in is not nil) and decodes a
// JSON answer into out (when not nil).
func (c *apiClient) do(ctx context.Context, method, path string, in, out any) error {
	resp, err := c.send(ctx, method, path, in)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("archive server at %s: bad answer to %s: %w", c.base, path, err)
	}
	return nil
}

// send sends a request with a JSON body (when in is not nil) and returns
// the answer when it is a success, a *remoteError otherwise.
func (c *apiClient) send(ctx context.Context, method, path string, in any) (*http.Response, error) {
	if in == nil {
		return c.sendBody(ctx, method, path, "", nil)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return c.sendBody(ctx, method, path, "application/json", bytes.NewReader(b))
}

// sendBody sends a request with a body of the content type (none when
// body is nil), as send does.
func (c *apiClient) sendBody(ctx context.Context, method, path, contentType string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if who := osUser(); who != "" {
		// The person at this terminal, named in the audit log and on
		// jobs as without a server (the server heeds it only with the
		// local admin token).
		req.Header.Set("X-Archive-On-Behalf-Of", who)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("archive server at %s: %w", c.base, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		re := &remoteError{status: resp.StatusCode}
		json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&re.problem)
		return nil, re
	}
	return resp, nil
}

// remoteRecords are the records of the running server in id order, read
// from GET /v1/export as they stream in.
type remoteRecords struct {
	ctx context.Context
	c   *apiClient
}

// ForEach calls fn for each record; an error from fn stops the walk.
func (r remoteRecords) ForEach(fn func(*archive.Record) error) error {
	resp, err := r.c.send(r.ctx, http.MethodGet, "/v1/export", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var rec archive.Record
		err := dec.Decode(&rec)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive server at %s: export cut short: %w", r.c.base, err)
		}
		if err := fn(&rec); err != nil {
			return err
		}
	}
}

// records returns the records of the running server, or of the archive
// opened here; done closes what it opened.
func (g *globalOptions) records(ctx context.Context) (w curation.RecordWalker, done func(), err error) {
	if c := g.serverClient(ctx, false); c != nil {
		return remoteRecords{ctx: ctx, c: c}, func() {}, nil
	}
	a, err := g.openArchive(true)
	if err != nil {
		return nil, nil, err
	}
	return a.Store(), func() { a.Close() }, nil
}

// usageOr400 turns a 400 from the server into a usage error, as the local
// path reports bad flags.
func usageOr400(err error) error {
	var re *remoteError
	if errors.As(err, &re) && re.status == http.StatusBadRequest {
		return fmt.Errorf("%w: %s", errUsage, re.Error())
	}
	return err
}

// ingest submits paths as a job and follows it to the end, calling
// onResult for each file's result and onProgress as it goes.
func (c *apiClient) ingest(ctx context.Context, req api.IngestRequest, onResult func(ingest.FileResult), onProgress func(archive.Progress)) (*api.Job, error) {
	var job api.Job
	if err := c.do(ctx, http.MethodPost, "/v1/ingest", req, &job); err != nil {
		return nil, usageOr400(err)
	}
	return c.follow(ctx, job.ID, onResult, onProgress)
}

// runJob queues a job with POST path (a JSON body when in is not nil) and
// follows it to the end; a job that did not finish its work is an error.
func (c *apiClient) runJob(ctx context.Context, path string, in any, onProgress func(archive.Progress)) (*api.Job, error) {
	var job api.Job
	if err := c.do(ctx, http.MethodPost, path, in, &job); err != nil {
		return nil, usageOr400(err)
	}
	j, err := c.follow(ctx, job.ID, func(ingest.FileResult) {}, onProgress)
	if err != nil {
		return nil, err
	}
	if j.State != api.JobDone {
		return nil, fmt.Errorf("%s job %s %s: %s", j.Kind, j.ID, j.State, j.Error)
	}
	return j, nil
}

// follow polls the job id until it is finished and all its results are
// read, calling onResult for each file's result and onProgress as it goes.
func (c *apiClient) follow(ctx context.Context, id string, onResult func(ingest.FileResult), onProgress func(archive.Progress)) (*api.Job, error) {
	job := api.Job{ID: id}
	seen := 0
	for {
		var j api.Job
		if err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(job.ID)+"?after="+strconv.Itoa(seen), nil, &j); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("stopped following job %s; it goes on in the server: %w", job.ID, ctx.Err())
			}
			return nil, err
		}
		for _, r := range j.Results {
			onResult(r)
		}
		seen = j.ResultsOffset + len(j.Results)
		if onProgress != nil && j.StartedAt != nil {
			onProgress(archive.Progress{FilesDone: j.Progress.FilesDone, FilesTotal: j.Progress.FilesTotal,
				BytesDone: j.Progress.BytesDone, BytesTotal: j.Progress.BytesTotal, Started: *j.StartedAt})
		}
		if j.Finished() && seen >= j.ResultsTotal {
			return &j, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("stopped following job %s; it goes on in the server: %w", job.ID, ctx.Err())
		case <-time.After(150 * time.Millisecond):
		}
	}
}

// remoteHit is a hit of GET /v1/assets as the CLI needs it.
type remoteSearch struct {
	Total  uint64                          `json:"total"`
	Page   int                             `json:"page"`
	Size   int                             `json:"size"`
	Took   float64                         `json:"took"`
	Facets map[string][]indexer.FacetCount `json:"facets"`
	// Corrected: the near spellings the hits are for.
	Corrected string `json:"corrected"`
	Hits      []struct {
		ID     string          `json:"id"`
		Score  float64         `json:"score"`
		Record *archive.Record `json:"record"`
	} `json:"hits"`
}

// search runs GET /v1/assets and returns the result in the indexer's shape.
func (c *apiClient) search(ctx context.Context, params url.Values) (*indexer.Result, error) {
	var rs remoteSearch
	if err := c.do(ctx, http.MethodGet, "/v1/assets?"+params.Encode(), nil, &rs); err != nil {
		return nil, usageOr400(err)
	}
	res := &indexer.Result{Total: rs.Total, Page: rs.Page, Size: rs.Size, Facets: rs.Facets, Corrected: rs.Corrected,
		Took: time.Duration(rs.Took * float64(time.Millisecond)), Hits: make([]indexer.Hit, 0, len(rs.Hits))}
	for _, h := range rs.Hits {
		res.Hits = append(res.Hits, indexer.Hit{ID: h.ID, Score: h.Score, Record: h.Record})
	}
	return res, nil
}
