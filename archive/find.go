package archive

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ErrAmbiguous means an id prefix matches more than one record.
var ErrAmbiguous = errors.New("archive: ambiguous id prefix")

// Resolve turns a full id or a unique prefix of at least 6 hex digits into
// a full id.
func (s *Store) Resolve(prefix string) (string, error) {
	prefix = strings.ToLower(strings.TrimSpace(prefix))
	if ValidID(prefix) {
		return prefix, nil
	}
	if len(prefix) < 6 || len(prefix) > 64 || !ValidID(prefix+strings.Repeat("0", 64-len(prefix))) {
		return "", fmt.Errorf("%w: %q (give the full id or at least 6 hex digits)", ErrBadID, prefix)
	}
	var found []string
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte(bucketRecords)).Cursor()
		p := []byte(prefix)
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p) && len(found) < 2; k, _ = c.Next() {
			found = append(found, string(k))
		}
		return nil
	})
	switch {
	case err != nil:
		return "", err
	case len(found) == 0:
		return "", fmt.Errorf("%w: no record with id %s…", ErrNotFound, prefix)
	case len(found) > 1:
		return "", fmt.Errorf("%w: %s… matches %s and others", ErrAmbiguous, prefix, found[0][:12])
	}
	return found[0], nil
}
