package main

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/haiduong/promo-archive/archive/report"
	"github.com/spf13/cobra"
)

type reportOptions struct {
	period     string
	format     string
	department string
}

func newReportCommand(g *globalOptions) *cobra.Command {
	var o reportOptions
	c := &cobra.Command{
		Use:   "report --period PERIOD [--format md|csv|json]",
		Short: "Six-monthly and yearly report: assets added, language coverage, downloads served",
		Long: `Report writes the periodic report of Decision 42/2023 Art. 20 for PERIOD:
a year (2026), a half year (2026-H1, 2026-H2), a quarter (2026-Q1) or days
(2026-01-01..2026-06-30), in the archive's time zone.

It counts the assets added in the period (by ingested_at) by category, kind,
place, contributing agency and status, their language coverage, and the
downloads of originals and rendition requests the API served, per asset and
role. Its header names the archive as the web pages do, after "province" in
ROOT/config.json (default: ` + report.DefaultProvince + `), and the managing
department, "department" there (default: ` + report.DefaultDepartment + `).

--format md is for people; csv (UTF-8 with BOM, one row per count) and json
are for machines.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runReport(cmd, g, o) },
	}
	f := c.Flags()
	f.StringVar(&o.period, "period", "", "reporting period: 2026, 2026-H1, 2026-Q1 or 2026-01-01..2026-06-30 (required)")
	f.StringVar(&o.format, "format", "md", "output format: md, csv or json")
	f.StringVar(&o.department, "department", "", "managing department for the header (overrides config.json)")
	return c
}

func runReport(cmd *cobra.Command, g *globalOptions, o reportOptions) error {
	if o.period == "" {
		return fmt.Errorf("%w: --period is required", errUsage)
	}
	loc, err := time.LoadLocation(g.timezone)
	if err != nil {
		return fmt.Errorf("%w: --tz %q: %v", errUsage, g.timezone, err)
	}
	p, err := report.ParsePeriod(o.period, loc)
	if err != nil {
		return fmt.Errorf("%w: --period: %v", errUsage, err)
	}
	format, ok := report.FormatOf(o.format)
	if !ok {
		return fmt.Errorf("%w: --format %q (want md, csv or json)", errUsage, o.format)
	}
	ctx := cmd.Context()
	if c := g.serverClient(ctx, false); c != nil {
		q := url.Values{"period": {o.period}, "format": {o.format}, "tz": {g.timezone}}
		if o.department != "" {
			q.Set("department", o.department)
		}
		resp, err := c.send(ctx, http.MethodGet, "/v1/report?"+q.Encode(), nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.Copy(g.stdout, resp.Body)
		return err
	}
	a, err := g.openArchive(true)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg, err := g.fileConfig()
	if err != nil {
		return err
	}
	names := report.Names{Department: cfg.Department, Province: cfg.Province}
	if o.department != "" {
		names.Department = o.department
	}
	rep, err := report.Build(ctx, a, p, names)
	if err != nil {
		return err
	}
	return format.Write(rep, g.stdout)
}
