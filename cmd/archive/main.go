// Command archive is the provincial image-promotion archive: it ingests
// photos, videos and publications into a content-addressed store, describes
// them, and serves them to agencies and the provincial web portal.
//
// This package is the only place where concrete types are wired together:
// cobra commands, one options struct and one runX function per command, and
// the mapping of errors to exit codes.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // the archive's time zone must load on machines without zoneinfo

	"github.com/haiduong/promo-archive/archive/backup"
	"github.com/spf13/cobra"
)

// Exit codes of RECORD.md.
const (
	exitOK      = 0
	exitFatal   = 1
	exitUsage   = 2
	exitPartial = 3 // the run finished but some files were rejected or failed
	// exitInterrupted: a second Ctrl-C or SIGTERM ended the process at once
	// (128 + SIGINT, as shells report it). The first one stops the command
	// cleanly (exit 1, saying so).
	exitInterrupted = 130
)

// Errors commands return for exit statuses other than 1. exitCode is the
// one place that turns errors into statuses.
var (
	// errUsage: the command line is wrong (flags, arguments); exit 2.
	errUsage = errors.New("usage")
	// errPartial: the run finished but some items were refused (files
	// rejected or failed, rows refused); the command has already said which;
	// exit 3.
	errPartial = errors.New("some items were refused")
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	root      string
	logLevel  string
	logFormat string
	timezone  string
	stdout    io.Writer
	stderr    io.Writer
	// interactive is true when stderr is a terminal: progress bars are drawn.
	interactive bool
}

func main() {
	os.Exit(runProcess(os.Args[1:], isTerminal(os.Stderr)))
}

// runProcess runs the command line as the process does, with Ctrl-C and
// SIGTERM handled (see interruptible), and returns the exit code.
func runProcess(args []string, interactive bool) int {
	ctx, stop := interruptible(os.Stderr, os.Exit)
	defer stop()
	return run(ctx, args, os.Stdout, os.Stderr, interactive)
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM:
// the command stops cleanly (an ingest keeps what it committed and abandons
// the files in flight). A second signal calls exit(exitInterrupted) at
// once, whatever is still running. stop ends the handling.
func interruptible(stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			fmt.Fprintf(stderr, "archive: %v: stopping (again to quit at once)\n", s)
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-sig:
			fmt.Fprintf(stderr, "archive: %v again: quitting at once\n", s)
			exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sig)
		close(done)
		cancel()
	}
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, interactive bool) int {
	g := &globalOptions{stdout: stdout, stderr: stderr, interactive: interactive}
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	return exitCode(root.ExecuteContext(ctx), stderr)
}

// exitCode maps a command's error to the exit status of RECORD.md and
// prints it once: 0 success, 1 fatal, 2 usage, 3 partial (not printed: the
// command's own output lists what was refused).
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errPartial):
		return exitPartial
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "archive: ") {
		msg = "archive: " + msg
	}
	fmt.Fprintln(stderr, msg)
	if errors.Is(err, errUsage) {
		return exitUsage
	}
	return exitFatal
}

func newRootCommand(g *globalOptions) *cobra.Command {
	defRoot := os.Getenv("ARCHIVE_ROOT")
	if defRoot == "" {
		defRoot = "./archive-data"
	}
	root := &cobra.Command{
		Use:           "archive",
		Short:         "The provincial image-promotion archive",
		Long:          "The archive keeps the province's promotional photos, videos and publications:\noriginals byte for byte under their SHA-256, records in bbolt, renditions and a search index derived from them.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w: %v\nrun '%s --help' for usage", errUsage, err, c.CommandPath())
	})
	// No subcommand matched: a usage error, like a wrong argument count;
	// no arguments at all: the help.
	root.Args = cobra.NoArgs
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	pf := root.PersistentFlags()
	pf.StringVar(&g.root, "root", defRoot, "archive root directory (env ARCHIVE_ROOT)")
	pf.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn, error")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&g.timezone, "tz", "Asia/Ho_Chi_Minh", "time zone for camera times that carry no offset")
	root.AddCommand(
		newIngestCommand(g),
		newShowCommand(g),
		newExportCommand(g),
		newListCommand(g),
		newStatsCommand(g),
		newVerifyCommand(g),
		newSearchCommand(g),
		newReindexCommand(g),
		newRethumbCommand(g),
		newDoctorCommand(g),
		newServeCommand(g),
		newKeysCommand(g),
		newCollectionCommand(g),
		newReportCommand(g),
		newBackupCommand(g),
		newRestoreCommand(g),
		newEditCommand(g),
		newHistoryCommand(g),
		newSimilarCommand(g),
		newImportMetaCommand(g),
	)
	usageArgs(root)
	return root
}

// logger builds the slog logger the flags ask for, writing to stderr.
func (g *globalOptions) logger() (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, fmt.Errorf("%w: --log-level %q", errUsage, g.logLevel)
	}
	o := &slog.HandlerOptions{Level: lvl}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(g.stderr, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(g.stderr, o)), nil
	default:
		return nil, fmt.Errorf("%w: --log-format %q (want text or json)", errUsage, g.logFormat)
	}
}

// printReport writes v as indented JSON with --json, else calls human.
func (g *globalOptions) printReport(asJSON bool, v any, human func()) error {
	if asJSON {
		return newJSONEncoder(g.stdout, true).Encode(v)
	}
	human()
	return nil
}

// printProblems lists originals found missing or corrupt, one a line.
func (g *globalOptions) printProblems(ps []backup.VerifyProblem) {
	for _, p := range ps {
		fmt.Fprintf(g.stdout, "%s %s %s %s\n", p.Problem, p.ID, p.Path, p.Detail)
	}
}

// usageArgs makes every argument-count error of c and its subcommands a
// usage error (exit 2), as flag errors are.
func usageArgs(c *cobra.Command) {
	if check := c.Args; check != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return fmt.Errorf("%w: %v\nrun '%s --help' for usage", errUsage, err, cmd.CommandPath())
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		usageArgs(sub)
	}
}
