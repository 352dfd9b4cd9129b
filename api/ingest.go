package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
	"github.com/haiduong/promo-archive/archive/ingest"
)

// IngestRequest is the JSON body of POST /v1/ingest for folders the server
// can read.
type IngestRequest struct {
	Paths          []string `json:"paths"`
	Status         string   `json:"status,omitempty"`
	Visibility     string   `json:"visibility,omitempty"`
	FollowSymlinks bool     `json:"follow_symlinks,omitempty"`
	NoRenditions   bool     `json:"no_renditions,omitempty"`
	// Agency is the contributing agency of the new assets (a metadata.csv
	// agency column overrides it per file), as `archive ingest --agency`.
	Agency string `json:"agency,omitempty"`
	// OSUser is the operating-system user running `archive ingest`, which
	// sends this with the local admin token: the audit trail then names
	// the person, not the token. Other callers' OSUser is ignored.
	OSUser string `json:"os_user,omitempty"`
}

// requireCurator answers 401/403 unless the caller is a curator.
func requireCurator(w http.ResponseWriter, r *http.Request) bool {
	p := principalFrom(r.Context())
	switch {
	case p.Anonymous():
		unauthorized(w, r, "this needs a curator's API key")
		return false
	case !p.canIngest():
		writeProblem(w, r, http.StatusForbidden, "this needs a curator's API key")
		return false
	}
	return true
}

func (s *Server) handleIngest() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		var j *job
		var err error
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/json":
			var req IngestRequest
			if err := s.readJSON(r, &req, "an ingest request"); err != nil {
				s.writeError(w, r, err)
				return
			}
			j, err = s.pathsJob(principalFrom(r.Context()), req)
		case "multipart/form-data":
			j, err = s.uploadJob(r)
		default:
			err = refuse(http.StatusUnsupportedMediaType, "send application/json {\"paths\": [...]} or multipart/form-data with files")
		}
		var snap *Job
		if err == nil {
			snap, err = s.queueIngest(r.Context(), j)
		}
		s.answerQueued(w, r, snap, err)
	}
}

// answerQueued answers a request that queued job snap (202 with its
// Location), or failed to (err; a full queue says when to retry).
func (s *Server) answerQueued(w http.ResponseWriter, r *http.Request, snap *Job, err error) {
	if err != nil {
		if errors.Is(err, errQueueFull) {
			w.Header().Set("Retry-After", "30")
		}
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/jobs/"+snap.ID)
	writeJSON(w, r, http.StatusAccepted, snap)
}

// queueIngest queues j under the caller's name: the one way a job starts,
// for the API and the pages.
func (s *Server) queueIngest(ctx context.Context, j *job) (*Job, error) {
	if s.deps.Ingester == nil {
		return nil, refuse(http.StatusServiceUnavailable, "this server does not ingest")
	}
	j.Kind = KindIngest
	snap, err := s.queueJob(ctx, j)
	if err != nil && j.UploadDir != "" {
		os.RemoveAll(j.UploadDir)
	}
	return snap, err
}

// queueJob queues j (its Kind set) under the caller's name, or the name
// of the person at the local CLI's terminal: the one way a queued job
// starts.
func (s *Server) queueJob(ctx context.Context, j *job) (*Job, error) {
	j.ID, j.State, j.CreatedAt = newJobID(), JobQueued, time.Now()
	p := principalFrom(ctx)
	j.By = p.Name
	if p.local() && j.osUser != "" {
		j.By = j.osUser
	}
	if err := s.jobs.submit(j); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "job queued", "job", j.ID, "kind", j.Kind, "source", j.Source, "by", j.By)
	snap, _, err := s.jobs.get(j.ID, 0)
	return snap, err
}

// parseDefaults reads what new assets of a job get: status, visibility and
// contributing agency.
func parseDefaults(status, visibility, agency string) (ingest.Defaults, error) {
	st, err := archive.ParseStatus(status)
	if err != nil {
		return ingest.Defaults{}, perr("status", "%v", err)
	}
	vis, err := archive.ParseVisibility(visibility)
	if err != nil {
		return ingest.Defaults{}, perr("visibility", "%v", err)
	}
	agency = norm.NFC.String(strings.TrimSpace(agency))
	if len(agency) > 200 {
		return ingest.Defaults{}, perr("agency", "at most 200 bytes")
	}
	return ingest.Defaults{Status: st, Visibility: vis, Agency: agency}, nil
}

// pathsJob checks a request for folders or files on the server: each one
// a regular file or a folder (checked without opening it) inside one of
// the ingest roots, unless the caller is the local admin.
func (s *Server) pathsJob(p Principal, req IngestRequest) (*job, error) {
	if len(req.Paths) == 0 || len(req.Paths) > 1000 {
		return nil, perr("paths", "give 1 to 1000 absolute paths on the server")
	}
	for _, pth := range req.Paths {
		if !filepath.IsAbs(pth) || strings.ContainsRune(pth, 0) {
			return nil, perr("paths", "%q is not an absolute path", pth)
		}
		if !p.local() && len(s.cfg.IngestRoots) == 0 {
			return nil, refuse(http.StatusForbidden, "this server takes no ingest from its own folders (the setting ingest_roots lists none); upload the files instead")
		}
		if !p.local() && !s.underIngestRoot(pth) {
			return nil, refuse(http.StatusForbidden, fmt.Sprintf("%q is outside the folders this server ingests from (ingest_roots: %s)", pth, strings.Join(s.cfg.IngestRoots, ", ")))
		}
		if err := ingest.CheckSource(pth); errors.Is(err, ingest.ErrNotRegular) {
			return nil, perr("paths", "%q is not a regular file or folder", pth)
		} else if err != nil {
			return nil, perr("paths", "%q cannot be read by the server", pth)
		}
	}
	d, err := parseDefaults(req.Status, req.Visibility, req.Agency)
	if err != nil {
		return nil, err
	}
	return &job{Job: Job{Source: "paths", Paths: req.Paths, Status: string(d.Status), Visibility: string(d.Visibility), Agency: d.Agency},
		Sources: req.Paths, defaults: d, Follow: req.FollowSymlinks, NoRender: req.NoRenditions,
		osUser: norm.NFC.String(strings.TrimSpace(req.OSUser))}, nil
}

// underIngestRoot reports whether pth, its symbolic links resolved, is one
// of the ingest roots or inside one.
func (s *Server) underIngestRoot(pth string) bool {
	resolve := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return filepath.Clean(p) // missing: refused later as unreadable
	}
	real := resolve(pth)
	for _, root := range s.cfg.IngestRoots {
		r := resolve(root)
		if rel, err := filepath.Rel(r, real); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	return false
}

// uploadJob streams a multipart upload to a folder under UploadDir. File
// parts keep their names, subfolders included ("le-hoi/IMG_1.jpg"); a part
// named "metadata" or a file metadata.csv is the curator's metadata;
// "status" and "visibility" fields set the defaults.
func (s *Server) uploadJob(r *http.Request) (*job, error) {
	if s.deps.UploadDir == "" {
		return nil, refuse(http.StatusServiceUnavailable, "this server takes no uploads")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "not a multipart body: "+err.Error())
	}
	dir, err := os.MkdirTemp(s.deps.UploadDir, "upload-*")
	if err != nil {
		return nil, err
	}
	fail := func(status int, detail string) (*job, error) {
		os.RemoveAll(dir)
		return nil, refuse(status, detail)
	}
	fields := map[string]string{}
	files := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadFail(fail, err)
		}
		name := part.FormName()
		raw := rawFileName(part.Header.Get("Content-Disposition"))
		if raw == "" && name != "metadata" {
			if name != "status" && name != "visibility" && name != "agency" {
				part.Close()
				return fail(http.StatusBadRequest, fmt.Sprintf("unknown form field %q (send files, metadata, status, visibility, agency)", name))
			}
			b, err := io.ReadAll(io.LimitReader(part, 400))
			if err != nil {
				return uploadFail(fail, err)
			}
			fields[name] = string(b)
			continue
		}
		rel, ok := cleanUploadName(raw)
		if name == "metadata" {
			rel, ok = curation.MetadataFileName, true
		}
		if !ok {
			part.Close()
			return fail(http.StatusBadRequest, fmt.Sprintf("file name %q is not a relative path of plain names", raw))
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return uploadFail(fail, err)
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			part.Close()
			return fail(http.StatusBadRequest, fmt.Sprintf("file %q is sent twice or clashes with a folder", rel))
		}
		_, err = io.Copy(f, part)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return uploadFail(fail, err)
		}
		if rel != curation.MetadataFileName {
			files++
		}
	}
	if files == 0 {
		return fail(http.StatusBadRequest, "the upload holds no files")
	}
	d, err := parseDefaults(fields["status"], fields["visibility"], fields["agency"])
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return uploadFail(fail, err)
	}
	var sources, names []string
	for _, e := range entries {
		if e.Name() == curation.MetadataFileName || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sources = append(sources, filepath.Join(dir, e.Name()))
		names = append(names, e.Name())
	}
	if len(sources) == 0 {
		return fail(http.StatusBadRequest, "the upload holds no files")
	}
	return &job{Job: Job{Source: "upload", Paths: names, Status: string(d.Status), Visibility: string(d.Visibility), Agency: d.Agency},
		Sources: sources, defaults: d, UploadDir: dir}, nil
}

func uploadFail(fail func(int, string) (*job, error), err error) (*job, error) {
	if status, detail, _ := problemFor(err); status == http.StatusInsufficientStorage {
		return fail(status, detail)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fail(http.StatusRequestEntityTooLarge, "the upload is larger than "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	}
	return fail(http.StatusBadRequest, "the upload was cut short or malformed: "+err.Error())
}

// rawFileName returns the filename parameter as sent (Part.FileName keeps
// only the base name; uploads of folders need the relative path).
func rawFileName(cd string) string {
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return ""
	}
	return params["filename"]
}

// cleanUploadName accepts a relative slash-separated path of plain names
// (no "..", no absolute paths, no hidden or empty elements) and returns it
// in NFC.
func cleanUploadName(raw string) (string, bool) {
	raw = strings.ReplaceAll(raw, "\\", "/")
	if raw == "" || len(raw) > 1024 || strings.ContainsRune(raw, 0) || strings.HasPrefix(raw, "/") {
		return "", false
	}
	parts := strings.Split(raw, "/")
	if len(parts) > 16 {
		return "", false
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || strings.HasPrefix(p, ".") || strings.ContainsAny(p, ":") {
			return "", false
		}
	}
	return norm.NFC.String(path.Join(parts...)), true
}

func (s *Server) handleJob() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		offset := 0
		for name, vals := range r.URL.Query() {
			if name != "after" || len(vals) != 1 {
				badParam(w, r, name, "unknown or repeated parameter (known: after)")
				return
			}
			n, err := strconv.Atoi(vals[0])
			if err != nil || n < 0 {
				badParam(w, r, "after", "want a whole number of results already seen, 0 or more")
				return
			}
			offset = n
		}
		j, ok, err := s.jobs.get(r.PathValue("id"), offset)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !ok {
			notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, j)
	}
}

// handleJobs lists the jobs, newest first, without their per-file results:
// the history of ingests and backups, for reports.
func (s *Server) handleJobs() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		kind, limit := "", 100
		for name, vals := range r.URL.Query() {
			switch {
			case len(vals) != 1:
				badParam(w, r, name, "repeated parameter")
				return
			case name == "kind" && slices.Contains(jobKinds(), vals[0]):
				kind = vals[0]
			case name == "kind":
				badParam(w, r, "kind", "want "+strings.Join(jobKinds(), ", "))
				return
			case name == "limit":
				n, err := strconv.Atoi(vals[0])
				if err != nil || n < 1 || n > 1000 {
					badParam(w, r, "limit", "want a whole number from 1 to 1000")
					return
				}
				limit = n
			default:
				badParam(w, r, name, "unknown parameter (known: kind, limit)")
				return
			}
		}
		jobs, err := s.jobs.list(kind, limit)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if jobs == nil {
			jobs = []Job{}
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, map[string]any{"jobs": jobs})
	}
}

// handleJobResume queues an interrupted job again (202, as POST /v1/ingest).
func (s *Server) handleJobResume() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !requireCurator(w, r) {
			return
		}
		j, err := s.jobs.resume(r.PathValue("id"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Location", "/v1/jobs/"+j.ID)
		writeJSON(w, r, http.StatusAccepted, j)
	}
}
