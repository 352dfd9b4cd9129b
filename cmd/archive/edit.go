package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/curation"
)

type editOptions struct {
	sets           []string // title.LANG=TEXT, description.LANG=TEXT
	addKeywords    []string
	removeKeywords []string
	categories     []string
	langStatus     []string // LANG=draft|reviewed
	place          string
	creator        string
	credit         string
	rights         string
	licence        string
	agency         string
	visibility     string
	status         string
	publishAt      string
	unpublishAt    string
	rightsExpireAt string
	json           bool
	changed        func(flag string) bool
}

func newEditCommand(g *globalOptions) *cobra.Command {
	var o editOptions
	c := &cobra.Command{
		Use:   "edit ID [flags]",
		Short: "Change a record's descriptive fields, status or visibility (every change is audited)",
		Long: `Edit changes one record (a full id or a unique prefix) and records each changed
field in the audit log (see 'archive history'). An empty value clears a field:
--set title.en= removes the English title, --place "" the place, --category ""
the categories. --category replaces the list and may be repeated.

Status moves: draft → review → published → withdrawn, and back to draft from
review or withdrawn. Publishing needs a Vietnamese title. Changing a language's
text sets it back to draft unless --lang-status says otherwise.

--publish-at, --unpublish-at and --rights-expire-at set the release window: a
published asset is hidden from everyone but curators before publish_at, from
unpublish_at and once its rights expire. Give 2026-12-01, "2026-12-01 08:00"
(the archive's time zone, --tz) or RFC 3339; "" clears.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.changed = cmd.Flags().Changed
			return runEdit(cmd, g, o, args[0])
		},
	}
	f := c.Flags()
	f.StringArrayVar(&o.sets, "set", nil, "set a text: title.LANG=TEXT or description.LANG=TEXT (repeatable)")
	f.StringArrayVar(&o.addKeywords, "add-keyword", nil, "add a keyword (repeatable)")
	f.StringArrayVar(&o.removeKeywords, "remove-keyword", nil, "remove a keyword (repeatable)")
	f.StringArrayVar(&o.categories, "category", nil, "category code; repeat for several; replaces the list")
	f.StringArrayVar(&o.langStatus, "lang-status", nil, "review state of a language: LANG=draft or LANG=reviewed (repeatable)")
	f.StringVar(&o.place, "place", "", "gazetteer code of the place")
	f.StringVar(&o.creator, "creator", "", "creator")
	f.StringVar(&o.credit, "credit", "", "credit line")
	f.StringVar(&o.rights, "rights", "", "copyright notice")
	f.StringVar(&o.licence, "licence", "", "licence")
	f.StringVar(&o.agency, "agency", "", "contributing agency")
	f.StringVar(&o.visibility, "visibility", "", "public or internal")
	f.StringVar(&o.status, "status", "", "draft, review, published or withdrawn")
	f.StringVar(&o.publishAt, "publish-at", "", "publish from this time (embargo), in the archive's time zone")
	f.StringVar(&o.unpublishAt, "unpublish-at", "", "hide again from this time, in the archive's time zone")
	f.StringVar(&o.rightsExpireAt, "rights-expire-at", "", "when the licence to use the asset ends, in the archive's time zone")
	f.BoolVar(&o.json, "json", false, "print the audit entries written, as JSON")
	return c
}

// parseTextSets reads --set flags, title.LANG=TEXT or
// description.LANG=TEXT, into title and description maps (nil when none
// given); malformed ones are usage errors.
func parseTextSets(sets []string) (title, description map[string]string, err error) {
	for _, s := range sets {
		field, val, ok := strings.Cut(s, "=")
		kind, lang, ok2 := strings.Cut(field, ".")
		if !ok || !ok2 || lang == "" {
			return nil, nil, fmt.Errorf("%w: --set %q: want title.LANG=TEXT or description.LANG=TEXT", errUsage, s)
		}
		var dst *map[string]string
		switch kind {
		case "title":
			dst = &title
		case "description":
			dst = &description
		default:
			return nil, nil, fmt.Errorf("%w: --set %q: only title.LANG and description.LANG (other fields have their own flags)", errUsage, s)
		}
		if *dst == nil {
			*dst = map[string]string{}
		}
		(*dst)[lang] = val
	}
	return title, description, nil
}

// buildEdit turns the flags into an curation.Edit; malformed flags are usage
// errors (the values themselves are checked by curation.Edit).
func (o editOptions) buildEdit() (curation.Edit, error) {
	var ed curation.Edit
	var err error
	if ed.Title, ed.Description, err = parseTextSets(o.sets); err != nil {
		return ed, err
	}
	for _, s := range o.langStatus {
		lang, st, ok := strings.Cut(s, "=")
		if !ok {
			return ed, fmt.Errorf("%w: --lang-status %q: want LANG=draft or LANG=reviewed", errUsage, s)
		}
		if ed.LangStatus == nil {
			ed.LangStatus = map[string]string{}
		}
		ed.LangStatus[lang] = st
	}
	ed.AddKeywords, ed.RemoveKeywords = o.addKeywords, o.removeKeywords
	if o.changed("category") {
		cs := o.categories
		ed.Categories = &cs
	}
	str := func(flag, v string) *string {
		if o.changed(flag) {
			return &v
		}
		return nil
	}
	ed.Place, ed.Creator, ed.Credit = str("place", o.place), str("creator", o.creator), str("credit", o.credit)
	ed.Rights, ed.Licence, ed.Agency = str("rights", o.rights), str("licence", o.licence), str("agency", o.agency)
	ed.PublishAt, ed.UnpublishAt = str("publish-at", o.publishAt), str("unpublish-at", o.unpublishAt)
	ed.RightsExpireAt = str("rights-expire-at", o.rightsExpireAt)
	if o.changed("visibility") {
		v := archive.Visibility(o.visibility)
		ed.Visibility = &v
	}
	if o.changed("status") {
		s := archive.Status(o.status)
		ed.Status = &s
	}
	return ed, nil
}

func runEdit(cmd *cobra.Command, g *globalOptions, o editOptions, idArg string) error {
	ed, err := o.buildEdit()
	if err != nil {
		return err
	}
	rec, entries, err := g.edit(cmd.Context(), idArg, ed)
	if err != nil {
		if errors.Is(err, curation.ErrInvalidEdit) {
			return fmt.Errorf("%w (nothing was changed)", err)
		}
		return err
	}
	if o.json {
		if entries == nil {
			entries = []archive.AuditEntry{}
		}
		return newJSONEncoder(g.stdout, true).Encode(entries)
	}
	if len(entries) == 0 {
		fmt.Fprintf(g.stdout, "%s: nothing to change\n", rec.ID[:12])
		return nil
	}
	printAudit(g.stdout, entries, false)
	return nil
}

// edit makes the edit through the running server (PATCH, on behalf of the
// person at this terminal; the new audit entries are the history's tail),
// or on the archive opened here.
func (g *globalOptions) edit(ctx context.Context, idArg string, ed curation.Edit) (*archive.Record, []archive.AuditEntry, error) {
	if c := g.serverClient(ctx, false); c != nil {
		history := func(id string) ([]archive.AuditEntry, error) {
			var h struct {
				History []archive.AuditEntry `json:"history"`
			}
			err := c.do(ctx, http.MethodGet, "/v1/assets/"+url.PathEscape(id)+"/history", nil, &h)
			return h.History, err
		}
		before, err := history(idArg)
		if err != nil {
			return nil, nil, err
		}
		var rec archive.Record
		err = c.do(ctx, http.MethodPatch, "/v1/assets/"+url.PathEscape(idArg), ed, &rec)
		var re *remoteError
		if errors.As(err, &re) && re.status == http.StatusUnprocessableEntity {
			return nil, nil, remoteInvalidEdit{re}
		}
		if err != nil {
			return nil, nil, err
		}
		after, err := history(rec.ID)
		if err != nil {
			return nil, nil, err
		}
		var entries []archive.AuditEntry
		if len(after) > len(before) {
			entries = after[len(before):]
		}
		return &rec, entries, nil
	}
	a, err := g.openArchive(false)
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	return curation.New(a).Edit(ctx, idArg, ed, archive.Actor{Who: osUser(), Via: archive.ViaCLI})
}

// printAudit writes audit entries for people, one per line.
func printAudit(w io.Writer, entries []archive.AuditEntry, withTime bool) {
	for _, e := range entries {
		prefix := e.ID[:12]
		if withTime {
			prefix = fmt.Sprintf("%s  %s (%s)", e.At.Format("2006-01-02 15:04:05"), e.Who, e.Via)
		}
		fmt.Fprintf(w, "%s  %s: %s → %s\n", prefix, e.Field, e.Old, e.New)
	}
}

// osUser names the person at the terminal for the audit log.
func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// remoteInvalidEdit is an edit the server refused (422): its words, and
// errors.Is curation.ErrInvalidEdit as the local refusal.
type remoteInvalidEdit struct{ *remoteError }

func (remoteInvalidEdit) Unwrap() error { return curation.ErrInvalidEdit }
