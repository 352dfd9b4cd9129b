package api

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// derivCache is a disk cache bounded in bytes (IIIF derivatives, download
// sizes): files
// under dir named by the SHA-256 of their key, evicted least recently used
// first. It survives restarts: opening it reads the files back, the oldest
// modification time first (a hit touches the file). Safe for concurrent use.
type derivCache struct {
	dir   string
	limit int64

	mu    sync.Mutex
	size  int64
	order *list.List               // front: most recently used; values are *derivEntry
	items map[string]*list.Element // file name → element
}

type derivEntry struct {
	name string
	size int64
}

// openDerivCache opens (creating) dir and evicts what exceeds limit.
func openDerivCache(dir string, limit int64) (*derivCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("api: iiif cache: %w", err)
	}
	c := &derivCache{dir: dir, limit: limit, order: list.New(), items: map[string]*list.Element{}}
	type found struct {
		name string
		size int64
		mod  time.Time
	}
	var files []found
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp") {
			return os.Remove(p) // a write that did not finish
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		files = append(files, found{d.Name(), fi.Size(), fi.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("api: iiif cache: %w", err)
	}
	slices.SortFunc(files, func(a, b found) int { return a.mod.Compare(b.mod) })
	for _, f := range files {
		c.items[f.name] = c.order.PushFront(&derivEntry{f.name, f.size})
		c.size += f.size
	}
	c.mu.Lock()
	c.evictLocked()
	c.mu.Unlock()
	return c, nil
}

func (c *derivCache) path(name string) string { return filepath.Join(c.dir, name[:2], name) }

func derivName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// get returns the bytes cached under key.
func (c *derivCache) get(key string) ([]byte, bool) {
	p, ok := c.file(key)
	if !ok {
		return nil, false
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, false // evicted meanwhile
	}
	return b, true
}

// file returns the path of the file cached under key and marks it used,
// for callers that send the file itself.
func (c *derivCache) file(key string) (string, bool) {
	name := derivName(key)
	c.mu.Lock()
	el, ok := c.items[name]
	if ok {
		c.order.MoveToFront(el)
	}
	c.mu.Unlock()
	if !ok {
		return "", false
	}
	p := c.path(name)
	now := time.Now()
	os.Chtimes(p, now, now) // the order after a restart; best effort
	return p, true
}

// put stores data under key (written to a temp file and renamed) and
// evicts the least recently used files beyond the limit, never the one just
// stored.
func (c *derivCache) put(key string, data []byte) error {
	name := derivName(key)
	p := c.path(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("api: iiif cache: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp")
	if err != nil {
		return fmt.Errorf("api: iiif cache: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("api: iiif cache: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[name]; ok {
		c.size -= el.Value.(*derivEntry).size
		c.order.Remove(el)
	}
	c.items[name] = c.order.PushFront(&derivEntry{name, int64(len(data))})
	c.size += int64(len(data))
	c.evictLocked()
	return nil
}

func (c *derivCache) evictLocked() {
	for c.size > c.limit && c.order.Len() > 1 {
		el := c.order.Back()
		if el == nil {
			return
		}
		e := el.Value.(*derivEntry)
		c.order.Remove(el)
		delete(c.items, e.name)
		c.size -= e.size
		if err := os.Remove(c.path(e.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return // keep the books honest: the file stays, the next put retries
		}
	}
}

// usage returns the bytes and files the cache holds.
func (c *derivCache) usage() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size, len(c.items)
}

// sourceCache keeps decoded source pictures in memory, bounded by their
// pixel bytes, least recently used out first; concurrent requests for one
// picture share a single decode.
type sourceCache struct {
	limit int64

	mu    sync.Mutex
	size  int64
	order *list.List // values are *sourceEntry
	items map[string]*list.Element
}

type sourceEntry struct {
	key  string
	done chan struct{} // closed when img/err are set
	img  image.Image
	err  error
	size int64
}

func newSourceCache(limit int64) *sourceCache {
	return &sourceCache{limit: limit, order: list.New(), items: map[string]*list.Element{}}
}

// get returns the picture under key, calling load once for all waiting
// callers when it is not held. Failed loads are not kept.
func (c *sourceCache) get(ctx context.Context, key string, load func() (image.Image, error)) (image.Image, error) {
	c.mu.Lock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*sourceEntry)
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.img, e.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e := &sourceEntry{key: key, done: make(chan struct{})}
	el := c.order.PushFront(e)
	c.items[key] = el
	c.mu.Unlock()

	e.img, e.err = load()
	c.mu.Lock()
	if e.err != nil {
		c.order.Remove(el)
		delete(c.items, key)
	} else {
		e.size = pictureBytes(e.img)
		c.size += e.size
		for c.size > c.limit && c.order.Len() > 1 {
			old := c.order.Back()
			if old == el {
				break
			}
			oe := old.Value.(*sourceEntry)
			select {
			case <-oe.done:
			default:
				c.order.MoveToFront(old) // still loading; not evictable yet
				continue
			}
			c.order.Remove(old)
			delete(c.items, oe.key)
			c.size -= oe.size
		}
	}
	c.mu.Unlock()
	close(e.done)
	return e.img, e.err
}

// pictureBytes estimates the memory a decoded picture holds.
func pictureBytes(img image.Image) int64 {
	b := img.Bounds()
	n := int64(b.Dx()) * int64(b.Dy())
	switch img.(type) {
	case *image.YCbCr:
		return n * 3 / 2 // 4:2:0 at worst 3 bytes, at best 1.5
	case *image.Gray:
		return n
	}
	return n * 4
}
