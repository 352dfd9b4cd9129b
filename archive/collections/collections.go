// Package collections owns the collections of assets that curators and
// agencies gather (a brochure's twenty images, an event's gallery) and
// their share links. A collection has a title and description in the
// archive's languages, an ordered list of asset ids, a cover, an owner (an
// API key), a visibility (private to the owner's key, shared with all
// agencies, or public), dates, and a small log of its changes (the audit
// trail of collections). Share links are unguessable tokens of which only
// the SHA-256 is kept, with an expiry, an optional download permission and
// a revocation.
//
// Collections live in the archive.db table "collections" (id → Collection
// JSON), share links in "shares" (hex SHA-256 of the token → Share JSON).
// This package knows nothing of the assets' own visibility: whoever shows
// a collection (api) filters its items by the caller's rights at read time.
package collections

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
)

// Visibility says who may see a collection.
type Visibility string

// Visibilities of collections.
const (
	Private  Visibility = "private"  // the owner's key (and curators)
	Agencies Visibility = "agencies" // every agency and curator key
	Public   Visibility = "public"   // everyone
)

// ParseVisibility accepts private, agencies or public ("" is private).
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(strings.ToLower(strings.TrimSpace(s))); v {
	case "":
		return Private, nil
	case Private, Agencies, Public:
		return v, nil
	}
	return "", fmt.Errorf("%w: visibility %q is not private, agencies or public", ErrInvalid, s)
}

// Errors of collections. Match them with errors.Is; missing collections
// and share links are archive.ErrNotFound.
var (
	ErrInvalid   = errors.New("collections: invalid")
	ErrForbidden = errors.New("collections: not allowed")
)

const (
	tableCollections = "collections"
	tableShares      = "shares"
	// maxItems bounds a collection (a ZIP of them is streamed, but a list
	// of this length is read whole).
	maxItems = 10000
	// maxLog bounds the change log kept in a collection.
	maxLog = 200
)

// Caller is who acts on a collection: an API key's id, name and role.
type Caller struct {
	KeyID string
	Name  string
	Role  keys.Role
}

// Change is one entry of a collection's log: who did what when. Field
// names what changed (title, description, cover, visibility, items,
// share); Detail says how, for people.
type Change struct {
	At     time.Time `json:"at"`
	Who    string    `json:"who"`
	Field  string    `json:"field"`
	Detail string    `json:"detail"`
}

// Collection is an ordered list of assets with its texts and owner.
type Collection struct {
	ID          string            `json:"id"`
	Title       map[string]string `json:"title"`
	Description map[string]string `json:"description"`
	Items       []string          `json:"items"`
	Cover       string            `json:"cover,omitempty"`
	OwnerKeyID  string            `json:"owner_key_id"`
	OwnerName   string            `json:"owner_name"`
	Visibility  Visibility        `json:"visibility"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	Log         []Change          `json:"log"`
}

// VisibleTo reports whether c may be seen by the caller: curators see
// every collection, owners their own, agency keys the agencies' ones, and
// everyone the public ones.
func (c *Collection) VisibleTo(by Caller) bool {
	switch {
	case c.Visibility == Public, by.Role == keys.RoleCurator:
		return true
	case by.KeyID != "" && by.KeyID == c.OwnerKeyID:
		return true
	case c.Visibility == Agencies:
		return by.Role == keys.RoleAgency
	}
	return false
}

// EditableBy reports whether the caller may change c: its owner and
// curators.
func (c *Collection) EditableBy(by Caller) bool {
	return by.Role == keys.RoleCurator || by.KeyID != "" && by.KeyID == c.OwnerKeyID
}

// CanCreate reports whether the caller may make collections: curator and
// agency keys.
func CanCreate(by Caller) bool { return by.Role == keys.RoleCurator || by.Role == keys.RoleAgency }

// Fields are the descriptive fields of a collection; nil ones are left as
// they are by Update.
type Fields struct {
	Title       map[string]string `json:"title,omitempty"`
	Description map[string]string `json:"description,omitempty"`
	Cover       *string           `json:"cover,omitempty"`
	Visibility  *string           `json:"visibility,omitempty"`
}

// Store is the archive's collections and share links.
type Store struct {
	c, s archive.Table
}

// New returns the collections of the store s.
func New(s *archive.Store) *Store {
	return &Store{c: s.Table(tableCollections), s: s.Table(tableShares)}
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("collections: random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// cleanTexts keeps the non-blank texts, NFC, under their trimmed tags.
func cleanTexts(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		k, v = strings.TrimSpace(k), norm.NFC.String(strings.TrimSpace(v))
		if k != "" && v != "" {
			out[k] = v
		}
	}
	return out
}

// Create makes a collection owned by the caller.
func (st *Store) Create(by Caller, f Fields, now time.Time) (*Collection, error) {
	if !CanCreate(by) {
		return nil, fmt.Errorf("%w: only curator and agency keys make collections", ErrForbidden)
	}
	id, err := randomHex(8)
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Second)
	c := &Collection{ID: id, Title: map[string]string{}, Description: map[string]string{}, Items: []string{},
		OwnerKeyID: by.KeyID, OwnerName: by.Name, Visibility: Private, CreatedAt: now, UpdatedAt: now}
	if err := c.apply(f); err != nil {
		return nil, err
	}
	if len(c.Title) == 0 {
		return nil, fmt.Errorf("%w: a collection needs a title", ErrInvalid)
	}
	c.Log = []Change{{At: now, Who: by.Name, Field: "created", Detail: "created"}}
	err = st.c.Modify(id, c, func(found bool) (bool, error) {
		if found { // 64 random bits: never, but never overwrite one
			return false, errors.New("collections: the new id collides with a stored one")
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Get returns the collection id, or archive.ErrNotFound.
func (st *Store) Get(id string) (*Collection, error) {
	var c Collection
	found, err := st.c.Get(id, &c)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: collection %s", archive.ErrNotFound, id)
	}
	return &c, nil
}

// List returns the collections the caller may see, newest change first.
func (st *Store) List(by Caller) ([]*Collection, error) {
	out := []*Collection{}
	err := st.c.Scan("", func(_ string, decode func(any) error) error {
		var c Collection
		if err := decode(&c); err != nil {
			return err
		}
		if c.VisibleTo(by) {
			out = append(out, &c)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b *Collection) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	return out, err
}

// modify applies change to the collection id in one write transaction,
// when the caller may edit it, and logs what change returns.
func (st *Store) modify(id string, by Caller, now time.Time, change func(c *Collection) ([]Change, error)) (*Collection, error) {
	var c Collection
	now = now.UTC().Truncate(time.Second)
	err := st.c.Modify(id, &c, func(found bool) (bool, error) {
		if !found {
			return false, fmt.Errorf("%w: collection %s", archive.ErrNotFound, id)
		}
		if !c.VisibleTo(by) {
			return false, fmt.Errorf("%w: collection %s", archive.ErrNotFound, id)
		}
		if !c.EditableBy(by) {
			return false, fmt.Errorf("%w: only the owner and curators change a collection", ErrForbidden)
		}
		log, err := change(&c)
		if err != nil || len(log) == 0 {
			return false, err
		}
		for i := range log {
			log[i].At, log[i].Who = now, by.Name
		}
		c.Log = append(c.Log, log...)
		if n := len(c.Log); n > maxLog {
			c.Log = slices.Delete(c.Log, 0, n-maxLog)
		}
		c.UpdatedAt = now
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Update changes the fields f gives.
func (st *Store) Update(id string, f Fields, by Caller, now time.Time) (*Collection, error) {
	return st.modify(id, by, now, func(c *Collection) ([]Change, error) {
		before := *c
		if err := c.apply(f); err != nil {
			return nil, err
		}
		if len(c.Title) == 0 {
			return nil, fmt.Errorf("%w: a collection needs a title", ErrInvalid)
		}
		var log []Change
		if fmt.Sprint(before.Title) != fmt.Sprint(c.Title) {
			log = append(log, Change{Field: "title", Detail: fmt.Sprint(c.Title)})
		}
		if fmt.Sprint(before.Description) != fmt.Sprint(c.Description) {
			log = append(log, Change{Field: "description", Detail: fmt.Sprint(c.Description)})
		}
		if before.Cover != c.Cover {
			log = append(log, Change{Field: "cover", Detail: c.Cover})
		}
		if before.Visibility != c.Visibility {
			log = append(log, Change{Field: "visibility", Detail: string(before.Visibility) + " → " + string(c.Visibility)})
		}
		return log, nil
	})
}

// apply sets the fields f gives, checked.
func (c *Collection) apply(f Fields) error {
	if f.Title != nil {
		c.Title = cleanTexts(f.Title)
	}
	if f.Description != nil {
		c.Description = cleanTexts(f.Description)
	}
	if f.Visibility != nil {
		v, err := ParseVisibility(*f.Visibility)
		if err != nil {
			return err
		}
		c.Visibility = v
	}
	if f.Cover != nil {
		cover := strings.TrimSpace(*f.Cover)
		if cover != "" && !slices.Contains(c.Items, cover) {
			return fmt.Errorf("%w: the cover must be one of the collection's assets", ErrInvalid)
		}
		c.Cover = cover
	}
	return nil
}

// checkIDs checks that ids are asset ids without repeats.
func checkIDs(ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("%w: no asset ids given", ErrInvalid)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if !archive.ValidID(id) {
			return fmt.Errorf("%w: %q is not an asset id", ErrInvalid, id)
		}
		if seen[id] {
			return fmt.Errorf("%w: %s is given twice", ErrInvalid, id[:12])
		}
		seen[id] = true
	}
	return nil
}

// clampPos makes pos an insertion index of a list of n (negative or past
// the end: the end).
func clampPos(pos, n int) int {
	if pos < 0 || pos > n {
		return n
	}
	return pos
}

// Add inserts the assets ids (those not already in it) at position pos
// (0 is first; negative appends). The caller checks that the assets exist
// and that it may see them.
func (st *Store) Add(id string, ids []string, pos int, by Caller, now time.Time) (*Collection, error) {
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	return st.modify(id, by, now, func(c *Collection) ([]Change, error) {
		var add []string
		for _, a := range ids {
			if !slices.Contains(c.Items, a) {
				add = append(add, a)
			}
		}
		if len(add) == 0 {
			return nil, nil
		}
		if len(c.Items)+len(add) > maxItems {
			return nil, fmt.Errorf("%w: a collection holds at most %d assets", ErrInvalid, maxItems)
		}
		c.Items = slices.Insert(c.Items, clampPos(pos, len(c.Items)), add...)
		if c.Cover == "" {
			c.Cover = c.Items[0]
		}
		return []Change{{Field: "items", Detail: "added " + shortIDs(add)}}, nil
	})
}

// Remove takes the assets ids out of the collection.
func (st *Store) Remove(id string, ids []string, by Caller, now time.Time) (*Collection, error) {
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	return st.modify(id, by, now, func(c *Collection) ([]Change, error) {
		n := len(c.Items)
		c.Items = slices.DeleteFunc(c.Items, func(a string) bool { return slices.Contains(ids, a) })
		if len(c.Items) == n {
			return nil, nil
		}
		if !slices.Contains(c.Items, c.Cover) {
			c.Cover = ""
			if len(c.Items) > 0 {
				c.Cover = c.Items[0]
			}
		}
		return []Change{{Field: "items", Detail: "removed " + shortIDs(ids)}}, nil
	})
}

// Move puts the assets ids (all in the collection), in the order given,
// at position pos of the list without them (0 is first; negative is last).
func (st *Store) Move(id string, ids []string, pos int, by Caller, now time.Time) (*Collection, error) {
	if err := checkIDs(ids); err != nil {
		return nil, err
	}
	return st.modify(id, by, now, func(c *Collection) ([]Change, error) {
		for _, a := range ids {
			if !slices.Contains(c.Items, a) {
				return nil, fmt.Errorf("%w: %s is not in the collection", ErrInvalid, a[:12])
			}
		}
		before := slices.Clone(c.Items)
		rest := slices.DeleteFunc(c.Items, func(a string) bool { return slices.Contains(ids, a) })
		c.Items = slices.Insert(rest, clampPos(pos, len(rest)), ids...)
		if slices.Equal(before, c.Items) {
			return nil, nil
		}
		return []Change{{Field: "items", Detail: fmt.Sprintf("moved %s to position %d", shortIDs(ids), clampPos(pos, len(rest))+1)}}, nil
	})
}

// Delete removes the collection and its share links.
func (st *Store) Delete(id string, by Caller) error {
	var c Collection
	err := st.c.Delete(id, &c, func(found bool) (bool, error) {
		if !found || !c.VisibleTo(by) {
			return false, fmt.Errorf("%w: collection %s", archive.ErrNotFound, id)
		}
		if !c.EditableBy(by) {
			return false, fmt.Errorf("%w: only the owner and curators delete a collection", ErrForbidden)
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	shares, err := st.Shares(id)
	if err != nil {
		return err
	}
	for _, sh := range shares {
		if err := st.s.Delete(sh.hash, &Share{}, func(bool) (bool, error) { return true, nil }); err != nil {
			return err
		}
	}
	return nil
}

// shortIDs lists ids by their first 12 digits.
func shortIDs(ids []string) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id[:min(12, len(id))]
	}
	return strings.Join(s, ", ")
}
