package ingest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/haiduong/promo-archive/archive"
)

// commitLoop batches the outcomes into store transactions, then the index,
// and reports every outcome once it is final. It returns the store's error
// at once, which stops the run: nothing after it is reported as done.
func (r *run) commitLoop(ctx context.Context, outs <-chan outcome) error {
	var batch []outcome
	timer := time.NewTimer(r.p.opts.BatchDelay)
	timer.Stop()
	defer timer.Stop()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := r.commit(ctx, batch)
		batch = batch[:0]
		return err
	}
	for {
		select {
		case o, ok := <-outs:
			if !ok {
				return flush()
			}
			addStages(&r.sum.Stages, o.stages)
			if o.cancelled {
				continue
			}
			if o.job.key == "" || (o.rec == nil && o.result.Status != StatusDuplicate) {
				r.report(o.result) // nothing to write: a problem, a rejection, unchanged
				continue
			}
			if len(batch) == 0 {
				timer.Reset(r.p.opts.BatchDelay)
			}
			batch = append(batch, o)
			if len(batch) >= r.p.opts.BatchSize {
				timer.Stop()
				if err := flush(); err != nil {
					return err
				}
			}
		case <-timer.C:
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// commit writes one batch in one transaction, hands the new records to the
// index and reports the batch. An added file whose id the store already has
// (or that came earlier in the batch) becomes a duplicate.
func (r *run) commit(ctx context.Context, batch []outcome) error {
	t0 := time.Now()
	items := make([]archive.IngestItem, len(batch))
	for i := range batch {
		o := &batch[i]
		j := o.job
		items[i] = archive.IngestItem{PathKey: j.key, Path: archive.PathEntry{ID: o.result.ID, Size: j.size, MtimeNs: j.mtime.UnixNano()}}
		if o.result.Status == StatusAdded {
			r.warnLookalikes(ctx, o)
			items[i].Record = o.rec
		}
	}
	seq, err := r.p.a.CommitIngest(items, r.ro.By)
	if err != nil {
		return err
	}
	var recs []*archive.Record
	for i := range batch {
		if items[i].Duplicate {
			batch[i].result.Status = StatusDuplicate
		} else if items[i].Record != nil {
			recs = append(recs, items[i].Record)
		}
	}
	if ix := r.p.opts.Indexer; ix != nil && len(recs) > 0 {
		if err := ix.Index(context.WithoutCancel(ctx), recs, seq); err != nil {
			// The store is the truth; the index catches up when it next opens.
			r.p.log.Warn("index update failed; the index will catch up from the store", "err", err)
		}
	}
	r.sum.Stages.Commit += time.Since(t0)
	for _, o := range batch {
		if o.result.Status == StatusAdded {
			r.p.log.Debug("added", "id", o.result.ID, "path", o.job.path)
		}
		r.report(o.result)
	}
	return nil
}

// warnLookalikes adds "looks like ID" to an added record whose picture is
// within the threshold of an archived one (or of one earlier in the run).
// The hashes are derived data: a failure is logged, the record kept.
func (r *run) warnLookalikes(ctx context.Context, o *outcome) {
	l := r.p.opts.Lookalikes
	if l == nil || o.rec.PHash == "" {
		return
	}
	h, err := strconv.ParseUint(o.rec.PHash, 16, 64)
	if err != nil {
		return
	}
	ids, err := l.Add(context.WithoutCancel(ctx), o.rec.ID, h)
	if err != nil {
		r.p.log.Warn("near-duplicate check failed", "id", o.rec.ID, "err", err)
		return
	}
	if len(ids) == 0 {
		return
	}
	w := "looks like " + ids[0]
	if len(ids) > 1 {
		w += fmt.Sprintf(" (and %d more)", len(ids)-1)
	}
	o.rec.Warnings = append(o.rec.Warnings, w)
	o.result.Warnings = o.rec.Warnings
}
