package collections

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/keys"
)

// shareTokenPrefix starts every share token, so a leaked one is easy to
// recognise.
const shareTokenPrefix = "hds_"

// MaxShareLife bounds how long a share link may live.
const MaxShareLife = 366 * 24 * time.Hour

// Errors of share links: an unknown token and one that expired or was
// revoked answer the same to clients, but the log can tell them apart.
var (
	ErrShareUnknown = errors.New("collections: unknown share link")
	ErrShareExpired = errors.New("collections: share link expired or revoked")
)

// Share is a link to one collection for people without a key. The token
// itself is never stored: the shares table maps its SHA-256 to this.
type Share struct {
	ID         string     `json:"id"` // the first 12 hex digits of the hash; safe to show
	Collection string     `json:"collection"`
	Download   bool       `json:"download"` // originals (and the ZIP of them) allowed
	ExpiresAt  time.Time  `json:"expires_at"`
	CreatedAt  time.Time  `json:"created_at"`
	CreatedBy  string     `json:"created_by"`
	Role       keys.Role  `json:"role"` // what the link sees: its maker's role, at most agency
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	hash       string
}

// Active reports whether the link may be used at now.
func (s Share) Active(now time.Time) bool { return s.RevokedAt == nil && now.Before(s.ExpiresAt) }

// CreateShare makes a share link to the collection id valid until
// expires, and returns the token (shown once) and its description. Only
// who may edit the collection may share it. The link sees what its maker's
// role sees, but never more than an agency: drafts stay with curators.
func (st *Store) CreateShare(id string, expires time.Time, download bool, by Caller, now time.Time) (string, Share, error) {
	now = now.UTC().Truncate(time.Second)
	switch {
	case !expires.After(now):
		return "", Share{}, fmt.Errorf("%w: the expiry date is not in the future", ErrInvalid)
	case expires.Sub(now) > MaxShareLife:
		return "", Share{}, fmt.Errorf("%w: a share link lives at most %d days", ErrInvalid, int(MaxShareLife.Hours()/24))
	}
	token, hash, err := keys.NewToken(shareTokenPrefix)
	if err != nil {
		return "", Share{}, err
	}
	role := by.Role
	if role == keys.RoleCurator {
		role = keys.RoleAgency
	}
	sh := Share{ID: hash[:12], Collection: id, Download: download, ExpiresAt: expires.UTC().Truncate(time.Second),
		CreatedAt: now, CreatedBy: by.Name, Role: role}
	_, err = st.modify(id, by, now, func(c *Collection) ([]Change, error) {
		detail := "link " + sh.ID + " until " + sh.ExpiresAt.Format(time.DateOnly)
		if download {
			detail += ", downloads allowed"
		}
		return []Change{{Field: "share", Detail: detail}}, nil
	})
	if err != nil {
		return "", Share{}, err
	}
	stored := sh
	if err := keys.StoreNew(st.s, hash, &stored); err != nil {
		return "", Share{}, err
	}
	return token, sh, nil
}

// VerifyShare returns the share link of token when it may be used at now:
// ErrShareUnknown or ErrShareExpired otherwise.
func (st *Store) VerifyShare(token string, now time.Time) (Share, error) {
	if !strings.HasPrefix(token, shareTokenPrefix) {
		return Share{}, ErrShareUnknown
	}
	var sh Share
	found, err := st.s.Get(keys.HashToken(token), &sh)
	switch {
	case err != nil:
		return Share{}, err
	case !found:
		return Share{}, ErrShareUnknown
	case !sh.Active(now):
		return sh, ErrShareExpired
	}
	return sh, nil
}

// Shares returns the share links of the collection id, oldest first.
func (st *Store) Shares(id string) ([]Share, error) {
	out := []Share{}
	err := st.s.Scan("", func(k string, decode func(any) error) error {
		var sh Share
		if err := decode(&sh); err != nil {
			return err
		}
		if sh.Collection == id {
			sh.hash = k
			out = append(out, sh)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Share) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

// RevokeShare revokes the share link shareID of the collection id.
// Revoking twice keeps the first time.
func (st *Store) RevokeShare(id, shareID string, by Caller, now time.Time) (Share, error) {
	shares, err := st.Shares(id)
	if err != nil {
		return Share{}, err
	}
	i := slices.IndexFunc(shares, func(s Share) bool { return s.ID == strings.ToLower(strings.TrimSpace(shareID)) })
	if i < 0 {
		return Share{}, fmt.Errorf("%w: share link %s", archive.ErrNotFound, shareID)
	}
	now = now.UTC().Truncate(time.Second)
	if _, err := st.modify(id, by, now, func(c *Collection) ([]Change, error) {
		return []Change{{Field: "share", Detail: "revoked link " + shares[i].ID}}, nil
	}); err != nil {
		return Share{}, err
	}
	out := shares[i]
	err = st.s.Modify(out.hash, &out, func(found bool) (bool, error) {
		if !found {
			return false, fmt.Errorf("%w: share link %s", archive.ErrNotFound, shareID)
		}
		if out.RevokedAt != nil {
			return false, nil
		}
		out.RevokedAt = &now
		return true, nil
	})
	return out, err
}
