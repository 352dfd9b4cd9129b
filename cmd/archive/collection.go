package main

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive"
	"github.com/haiduong/promo-archive/archive/collections"
	"github.com/haiduong/promo-archive/archive/keys"
)

type collectionOptions struct {
	sets       []string // title.LANG=TEXT, description.LANG=TEXT
	visibility string
	cover      string
	owner      string // a key id: the collection's owner
	at         int
	days       int
	download   bool
	json       bool
}

// cliCaller is who the CLI acts as: a curator at the archive's machine.
func cliCaller() collections.Caller {
	return collections.Caller{Name: "local curator (CLI)", Role: keys.RoleCurator}
}

func newCollectionCommand(g *globalOptions) *cobra.Command {
	var o collectionOptions
	c := &cobra.Command{
		Use:   "collection",
		Short: "Make, change, list and share collections of assets",
		Long: `A collection is an ordered list of assets with a title and description in
the archive's languages, a cover, an owner (an API key) and a visibility:
private (the owner's key and curators), agencies (every agency and curator
key) or public. Nobody ever sees an asset of a collection they may not see
on its own. Share links let people without a key see a collection (and
download it, with --download) until they expire or are revoked; only a hash
of each link is stored, so 'share' prints it once.

The CLI acts as a curator. These commands open the archive, so stop
'archive serve' first.`,
	}
	run := func(f func(*archive.Archive, *collections.Store, []string) error, write bool) func(*cobra.Command, []string) error {
		return func(_ *cobra.Command, args []string) error {
			a, err := g.openArchive(!write)
			if err != nil {
				return err
			}
			defer a.Close()
			return f(a, collections.New(a.Store()), args)
		}
	}
	create := &cobra.Command{
		Use:   "create --set title.vi=TEXT [--set …] [--visibility V] [--owner KEYID]",
		Short: "Make a collection; prints its id",
		Args:  cobra.NoArgs,
		RunE: run(func(a *archive.Archive, st *collections.Store, _ []string) error {
			return runCollectionCreate(g, a, st, o)
		}, true),
	}
	create.Flags().StringArrayVar(&o.sets, "set", nil, "title.LANG=TEXT or description.LANG=TEXT (repeatable)")
	create.Flags().StringVar(&o.visibility, "visibility", "private", "private, agencies or public")
	create.Flags().StringVar(&o.owner, "owner", "", "id of the agency or curator key that owns it (default: none, curators only)")
	list := &cobra.Command{
		Use: "list", Short: "List the collections", Args: cobra.NoArgs,
		RunE: run(func(_ *archive.Archive, st *collections.Store, _ []string) error { return runCollectionList(g, st, o) }, false),
	}
	list.Flags().BoolVar(&o.json, "json", false, "print JSON")
	show := &cobra.Command{
		Use: "show ID", Short: "Show a collection: its texts, assets, log and share links", Args: cobra.ExactArgs(1),
		RunE: run(func(a *archive.Archive, st *collections.Store, args []string) error {
			return runCollectionShow(g, a, st, args[0], o)
		}, false),
	}
	show.Flags().BoolVar(&o.json, "json", false, "print JSON")
	set := &cobra.Command{
		Use: "set ID [--set title.LANG=TEXT …] [--visibility V] [--cover ASSET]", Short: "Change a collection's texts, visibility or cover", Args: cobra.ExactArgs(1),
		RunE: run(func(a *archive.Archive, st *collections.Store, args []string) error {
			return runCollectionSet(g, a, st, args[0], o)
		}, true),
	}
	set.Flags().StringArrayVar(&o.sets, "set", nil, "title.LANG=TEXT or description.LANG=TEXT (repeatable)")
	set.Flags().StringVar(&o.visibility, "visibility", "", "private, agencies or public")
	set.Flags().StringVar(&o.cover, "cover", "", "the asset (id or prefix) shown for the collection")
	items := func(use, short string, change func(st *collections.Store, id string, assets []string) (*collections.Collection, error)) *cobra.Command {
		return &cobra.Command{
			Use: use + " ID ASSET…", Short: short, Args: cobra.MinimumNArgs(2),
			RunE: run(func(a *archive.Archive, st *collections.Store, args []string) error {
				assets, err := resolveAssets(a, args[1:])
				if err != nil {
					return err
				}
				c, err := change(st, args[0], assets)
				if err != nil {
					return err
				}
				fmt.Fprintf(g.stdout, "collection %s: %d assets\n", c.ID, len(c.Items))
				return nil
			}, true),
		}
	}
	add := items("add", "Add assets (ids or prefixes), at --at (1 is first; default the end)", func(st *collections.Store, id string, assets []string) (*collections.Collection, error) {
		return st.Add(id, assets, o.at-1, cliCaller(), time.Now())
	})
	add.Flags().IntVar(&o.at, "at", 0, "position of the first added asset (1 is first; 0: the end)")
	remove := items("remove", "Take assets out of a collection", func(st *collections.Store, id string, assets []string) (*collections.Collection, error) {
		return st.Remove(id, assets, cliCaller(), time.Now())
	})
	move := items("move", "Move assets, in the order given, to --at", func(st *collections.Store, id string, assets []string) (*collections.Collection, error) {
		return st.Move(id, assets, o.at-1, cliCaller(), time.Now())
	})
	move.Flags().IntVar(&o.at, "at", 1, "position of the first moved asset (1 is first; 0: the end)")
	del := &cobra.Command{
		Use: "delete ID", Short: "Delete a collection and its share links", Args: cobra.ExactArgs(1),
		RunE: run(func(_ *archive.Archive, st *collections.Store, args []string) error {
			if err := st.Delete(args[0], cliCaller()); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "deleted collection %s\n", args[0])
			return nil
		}, true),
	}
	share := &cobra.Command{
		Use: "share ID [--days N] [--download]", Short: "Make a share link; its token is printed once, alone on the last line", Args: cobra.ExactArgs(1),
		RunE: run(func(_ *archive.Archive, st *collections.Store, args []string) error {
			token, sh, err := st.CreateShare(args[0], time.Now().AddDate(0, 0, o.days), o.download, cliCaller(), time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "share link %s of collection %s until %s (downloads: %t); open /shares/TOKEN on the server; the token is shown only now:\n%s\n",
				sh.ID, sh.Collection, sh.ExpiresAt.Format(time.DateOnly), sh.Download, token)
			return nil
		}, true),
	}
	share.Flags().IntVar(&o.days, "days", 30, "days the link lives (at most 366)")
	share.Flags().BoolVar(&o.download, "download", false, "allow originals and the ZIP")
	unshare := &cobra.Command{
		Use: "unshare ID SHARE-ID", Short: "Revoke a share link", Args: cobra.ExactArgs(2),
		RunE: run(func(_ *archive.Archive, st *collections.Store, args []string) error {
			sh, err := st.RevokeShare(args[0], args[1], cliCaller(), time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "revoked share link %s of collection %s\n", sh.ID, sh.Collection)
			return nil
		}, true),
	}
	c.AddCommand(create, list, show, set, add, remove, move, del, share, unshare)
	return c
}

// resolveAssets turns asset ids or prefixes into ids.
func resolveAssets(a *archive.Archive, args []string) ([]string, error) {
	ids := make([]string, len(args))
	for i, p := range args {
		id, err := a.Store().Resolve(p)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// ownerCaller is the key whose id is id, as a collection's owner.
func ownerCaller(a *archive.Archive, id string) (collections.Caller, error) {
	list, err := keys.New(a.Store()).List()
	if err != nil {
		return collections.Caller{}, err
	}
	for _, k := range list {
		if k.ID == strings.ToLower(id) && !k.Revoked() {
			return collections.Caller{KeyID: k.ID, Name: k.Name, Role: k.Role}, nil
		}
	}
	return collections.Caller{}, fmt.Errorf("%w: --owner %s: no such key (see archive keys list)", errUsage, id)
}

func runCollectionCreate(g *globalOptions, a *archive.Archive, st *collections.Store, o collectionOptions) error {
	title, desc, err := parseTextSets(o.sets)
	if err != nil {
		return err
	}
	by := cliCaller()
	if o.owner != "" {
		if by, err = ownerCaller(a, o.owner); err != nil {
			return err
		}
	}
	c, err := st.Create(by, collections.Fields{Title: title, Description: desc, Visibility: &o.visibility}, time.Now())
	if errors.Is(err, collections.ErrInvalid) || errors.Is(err, collections.ErrForbidden) {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "created %s collection %s\n", c.Visibility, c.ID)
	return nil
}

func runCollectionSet(g *globalOptions, a *archive.Archive, st *collections.Store, id string, o collectionOptions) error {
	title, desc, err := parseTextSets(o.sets)
	if err != nil {
		return err
	}
	f := collections.Fields{Title: title, Description: desc}
	if o.visibility != "" {
		f.Visibility = &o.visibility
	}
	if o.cover != "" {
		cover, err := a.Store().Resolve(o.cover)
		if err != nil {
			return err
		}
		f.Cover = &cover
	}
	if f.Title != nil || f.Description != nil { // texts merge into the stored ones
		c, err := st.Get(id)
		if err != nil {
			return err
		}
		f.Title, f.Description = mergeTexts(c.Title, f.Title), mergeTexts(c.Description, f.Description)
	}
	c, err := st.Update(id, f, cliCaller(), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "collection %s changed\n", c.ID)
	return nil
}

// mergeTexts is old with the languages of set replaced (nil when set is).
func mergeTexts(old, set map[string]string) map[string]string {
	if set == nil {
		return nil
	}
	out := maps.Clone(old)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, set)
	return out
}

func runCollectionList(g *globalOptions, st *collections.Store, o collectionOptions) error {
	list, err := st.List(cliCaller())
	if err != nil {
		return err
	}
	if o.json {
		return newJSONEncoder(g.stdout, true).Encode(list)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVISIBILITY\tASSETS\tUPDATED\tOWNER\tTITLE")
	for _, c := range list {
		title, _ := archive.PickLang(c.Title, nil)
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", c.ID, c.Visibility, len(c.Items), c.UpdatedAt.Format(time.DateOnly), c.OwnerName, title)
	}
	return tw.Flush()
}

func runCollectionShow(g *globalOptions, a *archive.Archive, st *collections.Store, id string, o collectionOptions) error {
	c, err := st.Get(id)
	if err != nil {
		return err
	}
	shares, err := st.Shares(id)
	if err != nil {
		return err
	}
	if o.json {
		return newJSONEncoder(g.stdout, true).Encode(map[string]any{"collection": c, "shares": shares})
	}
	w := g.stdout
	fmt.Fprintf(w, "collection %s (%s), owner %s, created %s, changed %s\n", c.ID, c.Visibility, c.OwnerName,
		c.CreatedAt.Format(time.DateOnly), c.UpdatedAt.Format(time.DateOnly))
	for _, f := range []struct {
		name string
		m    map[string]string
	}{{"title", c.Title}, {"description", c.Description}} {
		for _, lang := range slices.Sorted(maps.Keys(f.m)) {
			fmt.Fprintf(w, "  %s.%s: %s\n", f.name, lang, f.m[lang])
		}
	}
	fmt.Fprintf(w, "assets (%d):\n", len(c.Items))
	for i, aid := range c.Items {
		title := "(missing)"
		if rec, err := a.Store().Get(aid); err == nil {
			title, _ = rec.DisplayTitle()
			title += " · " + string(rec.Visibility) + "/" + string(rec.Status)
		}
		cover := ""
		if aid == c.Cover {
			cover = " [cover]"
		}
		fmt.Fprintf(w, "  %3d. %s  %s%s\n", i+1, aid[:12], title, cover)
	}
	fmt.Fprintln(w, "share links:")
	for _, sh := range shares {
		state := "active"
		if !sh.Active(time.Now()) {
			state = "expired or revoked"
		}
		fmt.Fprintf(w, "  %s until %s, downloads %t, by %s: %s\n", sh.ID, sh.ExpiresAt.Format(time.DateOnly), sh.Download, sh.CreatedBy, state)
	}
	fmt.Fprintln(w, "log:")
	for _, l := range c.Log {
		fmt.Fprintf(w, "  %s  %s  %s: %s\n", l.At.Format(time.DateTime), l.Who, l.Field, l.Detail)
	}
	return nil
}
