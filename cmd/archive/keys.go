package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/api"
	"github.com/haiduong/promo-archive/archive/keys"
)

type keysOptions struct {
	role, name, expires string
	json                bool
}

func newKeysCommand(g *globalOptions) *cobra.Command {
	var o keysOptions
	c := &cobra.Command{
		Use:   "keys",
		Short: "Create, list, rotate and revoke API keys for the HTTP API",
		Long: `API keys let agencies, the portal and curators use 'archive serve'.
Only a hash of each key is stored; 'create' and 'rotate' show the key once,
alone on the last line. Roles: portal (public, published assets and their
originals), agency (also internal assets), curator (everything, and
ingest), admin (what a curator may, and keys and /metrics).

While 'archive serve' runs these commands go through it (/v1/keys, with
the local admin token of ROOT/server.json); otherwise they open the archive.
The output and exit codes are the same either way.`,
	}
	create := &cobra.Command{
		Use:   "create --role admin|curator|agency|portal --name NAME [--expires DATE]",
		Short: "Make a new key; it is printed once, alone on the last line",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysCreate(cmd.Context(), g, o) },
	}
	create.Flags().StringVar(&o.role, "role", "", "admin, curator, agency or portal")
	create.Flags().StringVar(&o.name, "name", "", `who holds the key, e.g. "Sở Du lịch"`)
	create.Flags().StringVar(&o.expires, "expires", "", "last day the key works (YYYY-MM-DD, in --tz); default: until revoked")
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (ids, names, roles, expiry, last use, revocations; never the keys)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysList(cmd.Context(), g, o) },
	}
	list.Flags().BoolVar(&o.json, "json", false, "print JSON")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key by its id (or a unique prefix of 6 or more characters); its browser sessions end",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysRevoke(cmd.Context(), g, args[0]) },
	}
	rotate := &cobra.Command{
		Use:   "rotate ID",
		Short: "Replace a key with a new one (same name, role and expiry) and revoke it; the new key is printed once",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysRotate(cmd.Context(), g, args[0]) },
	}
	c.AddCommand(create, list, revoke, rotate)
	return c
}

// keyring returns the keys of the running server, or of the archive opened
// here (write: for a change); done closes what it opened.
func (g *globalOptions) keyring(ctx context.Context, write bool) (kr api.KeyAdmin, done func(), err error) {
	if c := g.serverClient(ctx, false); c != nil {
		return remoteKeys{ctx: ctx, c: c}, func() {}, nil
	}
	a, err := g.openArchive(!write)
	if err != nil {
		return nil, nil, err
	}
	return keys.New(a.Store()), func() { a.Close() }, nil
}

func runKeysCreate(ctx context.Context, g *globalOptions, o keysOptions) error {
	role, err := keys.ParseRole(o.role)
	if err != nil {
		return fmt.Errorf("%w: --role: %v", errUsage, err)
	}
	if o.name == "" {
		return fmt.Errorf("%w: --name is required", errUsage)
	}
	var expires *time.Time
	if o.expires != "" {
		loc, err := g.location()
		if err != nil {
			return err
		}
		day, err := time.ParseInLocation(time.DateOnly, o.expires, loc)
		if err != nil {
			return fmt.Errorf("%w: --expires: want a date such as 2027-06-30", errUsage)
		}
		end := day.AddDate(0, 0, 1) // the key works through that day
		if !end.After(time.Now()) {
			return fmt.Errorf("%w: --expires: the date has passed", errUsage)
		}
		expires = &end
	}
	kr, done, err := g.keyring(ctx, true)
	if err != nil {
		return err
	}
	defer done()
	token, k, err := kr.Create(o.name, role, expires, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "created %s key %s for %s; it is shown only now:\n%s\n", k.Role, k.ID, k.Name, token)
	return nil
}

func runKeysList(ctx context.Context, g *globalOptions, o keysOptions) error {
	kr, done, err := g.keyring(ctx, false)
	if err != nil {
		return err
	}
	defer done()
	list, err := kr.List()
	if err != nil {
		return err
	}
	if o.json {
		if list == nil {
			list = []keys.APIKey{}
		}
		return newJSONEncoder(g.stdout, true).Encode(list)
	}
	day := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.Format(time.DateOnly)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tCREATED\tEXPIRES\tLAST USED\tREVOKED\tNAME")
	for _, k := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.CreatedAt.Format(time.DateOnly), day(k.ExpiresAt), day(k.LastUsedAt), day(k.RevokedAt), k.Name)
	}
	return tw.Flush()
}

func runKeysRevoke(ctx context.Context, g *globalOptions, id string) error {
	kr, done, err := g.keyring(ctx, true)
	if err != nil {
		return err
	}
	defer done()
	k, err := kr.Revoke(id, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "revoked %s key %s (%s)\n", k.Role, k.ID, k.Name)
	return nil
}

func runKeysRotate(ctx context.Context, g *globalOptions, id string) error {
	kr, done, err := g.keyring(ctx, true)
	if err != nil {
		return err
	}
	defer done()
	token, k, err := kr.Rotate(id, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "replaced key %s with %s key %s for %s (the old one is revoked); it is shown only now:\n%s\n", id, k.Role, k.ID, k.Name, token)
	return nil
}

// remoteKeys is the keyring of a running server, through /v1/keys. Its
// errors read as the local keyring's (the server answers with their text).
type remoteKeys struct {
	ctx context.Context
	c   *apiClient
}

func (r remoteKeys) Create(name string, role keys.Role, expires *time.Time, _ time.Time) (string, keys.APIKey, error) {
	var nk api.NewKey
	err := r.c.do(r.ctx, http.MethodPost, "/v1/keys", api.KeyRequest{Name: name, Role: string(role), ExpiresAt: expires}, &nk)
	return nk.Key, nk.APIKey, usageOr400(err)
}

func (r remoteKeys) List() ([]keys.APIKey, error) {
	var out struct {
		Keys []keys.APIKey `json:"keys"`
	}
	err := r.c.do(r.ctx, http.MethodGet, "/v1/keys", nil, &out)
	return out.Keys, usageOr400(err)
}

func (r remoteKeys) Revoke(id string, _ time.Time) (keys.APIKey, error) {
	var k keys.APIKey
	err := r.c.do(r.ctx, http.MethodPost, "/v1/keys/"+url.PathEscape(id)+"/revoke", nil, &k)
	return k, usageOr400(err)
}

func (r remoteKeys) Rotate(id string, _ time.Time) (string, keys.APIKey, error) {
	var nk api.NewKey
	err := r.c.do(r.ctx, http.MethodPost, "/v1/keys/"+url.PathEscape(id)+"/rotate", nil, &nk)
	return nk.Key, nk.APIKey, usageOr400(err)
}
