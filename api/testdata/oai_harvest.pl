#!/usr/bin/perl
# Harvests an OAI-PMH repository with HTTP::OAI (Debian libhttp-oai-perl),
# for TestOAIHarvestWithHTTPOAI. Usage: oai_harvest.pl BASEURL [FROM]
# Prints "identify<TAB>repositoryName<TAB>deletedRecord<TAB>granularity",
# then one line per record: identifier, status (ok|deleted), datestamp and
# the dc:title values joined by " | ", tab-separated. The harvester follows
# resumption tokens itself. Exits 1 on a protocol error other than
# noRecordsMatch.
use strict;
use warnings;
use utf8;
use HTTP::OAI;
use XML::LibXML;

binmode STDOUT, ':encoding(UTF-8)';
my ($base, $from) = @ARGV;
my $h = HTTP::OAI::Harvester->new(baseURL => $base, resume => 1);

my $id = $h->Identify;
die "Identify: " . $id->message . "\n" if $id->is_error;
print join("\t", "identify", $id->repositoryName, $id->deletedRecord, $id->granularity), "\n";

# onRecord sees every record of every page: without it the harvester keeps
# only the last page when it follows resumption tokens.
my %args = (metadataPrefix => 'oai_dc', onRecord => \&print_record);
$args{from} = $from if defined $from;
my $res = $h->ListRecords(%args);
if ($res->is_error) {
	my @codes = map { $_->code } $res->errors;
	exit 0 if grep { $_ eq 'noRecordsMatch' } @codes;
	die "ListRecords: " . $res->message . "\n";
}

sub print_record {
	my ($rec) = @_;
	my $status = $rec->is_deleted ? 'deleted' : 'ok';
	my @titles;
	if (!$rec->is_deleted && $rec->metadata) {
		my $xpc = XML::LibXML::XPathContext->new($rec->metadata->dom);
		$xpc->registerNs(dc => 'http://purl.org/dc/elements/1.1/');
		push @titles, $_->textContent for $xpc->findnodes('.//dc:title');
	}
	print join("\t", $rec->identifier, $status, $rec->datestamp, join(' | ', sort @titles)), "\n";
}
