package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/haiduong/promo-archive/archive/keys"
)

type keysOptions struct {
	role, name string
	json       bool
}

func newKeysCommand(g *globalOptions) *cobra.Command {
	var o keysOptions
	c := &cobra.Command{
		Use:   "keys",
		Short: "Create, list and revoke API keys for the HTTP API",
		Long: `API keys let agencies, the portal and curators use 'archive serve'.
Only a hash of each key is stored; 'create' shows the key once, alone on its
last line. Roles: portal (public, published assets and their originals),
agency (also internal assets), curator (everything, and ingest).

These commands open the archive, so stop 'archive serve' first.`,
	}
	create := &cobra.Command{
		Use:   "create --role curator|agency|portal --name NAME",
		Short: "Make a new key; it is printed once, alone on the last line",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysCreate(g, o) },
	}
	create.Flags().StringVar(&o.role, "role", "", "curator, agency or portal")
	create.Flags().StringVar(&o.name, "name", "", `who holds the key, e.g. "Sở Du lịch"`)
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (ids, names, roles, revocations; never the keys)",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysList(g, o) },
	}
	list.Flags().BoolVar(&o.json, "json", false, "print JSON")
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key by its id (or a unique prefix of 6 or more characters)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return runKeysRevoke(g, args[0]) },
	}
	c.AddCommand(create, list, revoke)
	return c
}

func runKeysCreate(g *globalOptions, o keysOptions) error {
	role, err := keys.ParseRole(o.role)
	if err != nil {
		return fmt.Errorf("%w: --role: %v", errUsage, err)
	}
	if o.name == "" {
		return fmt.Errorf("%w: --name is required", errUsage)
	}
	a, err := g.openArchive(false)
	if err != nil {
		return err
	}
	defer a.Close()
	token, k, err := keys.New(a.Store()).Create(o.name, role, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "created %s key %s for %s; it is shown only now:\n%s\n", k.Role, k.ID, k.Name, token)
	return nil
}

func runKeysList(g *globalOptions, o keysOptions) error {
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	list, err := keys.New(a.Store()).List()
	if err != nil {
		return err
	}
	if o.json {
		if list == nil {
			list = []keys.APIKey{}
		}
		return newJSONEncoder(g.stdout, true).Encode(list)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tROLE\tCREATED\tREVOKED\tNAME")
	for _, k := range list {
		revoked := "-"
		if k.RevokedAt != nil {
			revoked = k.RevokedAt.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.CreatedAt.Format(time.DateOnly), revoked, k.Name)
	}
	return tw.Flush()
}

func runKeysRevoke(g *globalOptions, id string) error {
	a, err := g.openArchive(false)
	if err != nil {
		return err
	}
	defer a.Close()
	k, err := keys.New(a.Store()).Revoke(id, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "revoked %s key %s (%s)\n", k.Role, k.ID, k.Name)
	return nil
}
