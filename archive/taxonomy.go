package archive

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed taxonomy.json
var defaultTaxonomyJSON []byte

// Category is a subject category of TAXONOMY.md.
type Category struct {
	Code string `json:"code"`
	VI   string `json:"vi"`
	EN   string `json:"en"`
}

// Unit is a dated unit of the gazetteer.
type Unit struct {
	Code      string `json:"code"`
	VI        string `json:"vi"`
	EN        string `json:"en"`
	Parent    string `json:"parent,omitempty"`
	ValidFrom string `json:"valid_from,omitempty"` // YYYY-MM-DD
	ValidTo   string `json:"valid_to,omitempty"`
	Successor string `json:"successor,omitempty"` // the unit that holds the place after ValidTo
}

// Taxonomy holds the categories and the gazetteer the archive validates
// codes against.
type Taxonomy struct {
	Categories []Category `json:"categories"`
	Places     []Unit     `json:"places"`
}

// DefaultTaxonomy returns the categories and places of TAXONOMY.md.
func DefaultTaxonomy() (*Taxonomy, error) {
	var t Taxonomy
	if err := json.Unmarshal(defaultTaxonomyJSON, &t); err != nil {
		return nil, fmt.Errorf("archive: embedded taxonomy: %w", err)
	}
	return &t, nil
}

// Category returns the category with the code.
func (t *Taxonomy) Category(code string) (Category, bool) {
	for _, c := range t.Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

// Place returns the gazetteer unit with the code.
func (t *Taxonomy) Place(code string) (Unit, bool) {
	for _, u := range t.Places {
		if u.Code == code {
			return u, true
		}
	}
	return Unit{}, false
}
