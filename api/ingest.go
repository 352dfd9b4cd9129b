package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
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
			dec := json.NewDecoder(io.LimitReader(r.Body, s.cfg.MaxBody))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				s.writeError(w, r, refuse(http.StatusBadRequest, "the body is not an ingest request: "+err.Error()))
				return
			}
			j, err = s.pathsJob(req)
		case "multipart/form-data":
			j, err = s.uploadJob(r)
		default:
			err = refuse(http.StatusUnsupportedMediaType, "send application/json {\"paths\": [...]} or multipart/form-data with files")
		}
		var snap *Job
		if err == nil {
			snap, err = s.queueIngest(r.Context(), j)
		}
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
}

// queueIngest queues j under the caller's name: the one way a job starts,
// for the API and the pages.
func (s *Server) queueIngest(ctx context.Context, j *job) (*Job, error) {
	if s.deps.Ingester == nil {
		return nil, refuse(http.StatusServiceUnavailable, "this server does not ingest")
	}
	j.ID, j.State, j.CreatedAt = newJobID(), JobQueued, time.Now()
	p := principalFrom(ctx)
	j.by = p.Name
	if p.KeyID == localAdminKeyID && j.osUser != "" {
		j.by = j.osUser
	}
	if err := s.jobs.submit(j); err != nil {
		if j.uploadDir != "" {
			os.RemoveAll(j.uploadDir)
		}
		return nil, err
	}
	s.log.InfoContext(ctx, "ingest job queued", "job", j.ID, "source", j.Source, "by", j.by)
	snap, _ := s.jobs.get(j.ID, 0)
	return snap, nil
}

func parseDefaults(status, visibility string) (ingest.Defaults, error) {
	st, err := archive.ParseStatus(status)
	if err != nil {
		return ingest.Defaults{}, perr("status", "%v", err)
	}
	vis, err := archive.ParseVisibility(visibility)
	if err != nil {
		return ingest.Defaults{}, perr("visibility", "%v", err)
	}
	return ingest.Defaults{Status: st, Visibility: vis}, nil
}

// pathsJob checks a request for folders or files on the server.
func (s *Server) pathsJob(req IngestRequest) (*job, error) {
	if len(req.Paths) == 0 || len(req.Paths) > 1000 {
		return nil, perr("paths", "give 1 to 1000 absolute paths on the server")
	}
	for _, p := range req.Paths {
		if !filepath.IsAbs(p) || strings.ContainsRune(p, 0) {
			return nil, perr("paths", "%q is not an absolute path", p)
		}
		if _, err := os.Stat(p); err != nil {
			return nil, perr("paths", "%q cannot be read by the server", p)
		}
	}
	d, err := parseDefaults(req.Status, req.Visibility)
	if err != nil {
		return nil, err
	}
	return &job{Job: Job{Source: "paths", Paths: req.Paths, Status: string(d.Status), Visibility: string(d.Visibility)},
		sources: req.Paths, defaults: d, follow: req.FollowSymlinks, noRender: req.NoRenditions,
		osUser: norm.NFC.String(strings.TrimSpace(req.OSUser))}, nil
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
			if name != "status" && name != "visibility" {
				part.Close()
				return fail(http.StatusBadRequest, fmt.Sprintf("unknown form field %q (send files, metadata, status, visibility)", name))
			}
			b, err := io.ReadAll(io.LimitReader(part, 100))
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
	d, err := parseDefaults(fields["status"], fields["visibility"])
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
	return &job{Job: Job{Source: "upload", Paths: names, Status: string(d.Status), Visibility: string(d.Visibility)},
		sources: sources, defaults: d, uploadDir: dir}, nil
}

func uploadFail(fail func(int, string) (*job, error), err error) (*job, error) {
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
		j, ok := s.jobs.get(r.PathValue("id"), offset)
		if !ok {
			notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, r, http.StatusOK, j)
	}
}
