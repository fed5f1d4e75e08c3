/* test_h5i.c — results files that are damaged or made to mislead: the reader
 * and `dais info` report them instead of crashing, hanging or reading wrong
 * numbers.  Files are written by h5o and then altered with the HDF5 API or by
 * flipping bytes on disk. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "analysis/info.h"
#include "analysis/summary.h"
#include "h5/h5i.h"
#include "h5/h5o.h"
#include "helpers.h"
#include "sim/rec.h"

static char *dir;
static char path[1024];

/* A results file of one replication with a series and a scalar. */
static void make_file(void)
{
	dir = th_mkdtemp();
	snprintf(path, sizeof path, "%s/r.h5", dir);
	rec *r = rec_alloc("day");
	int s = rec_series(r, "demand", "tokens/day", 1, NULL);
	for (int i = 0; i < 50; i++) {
		rec_set(r, s, 0, 1000.0 + i);
		cr_assert_eq(rec_sample(r, i), SIM_OK);
	}
	rec_scalar(r, "nodes_year_1", "nodes", 42);
	h5o *o = h5o_create(path, NULL);
	cr_assert(o);
	cr_assert_eq(h5o_write_rep(o, 0, r, NULL), SIM_OK);
	cr_assert_eq(summary_write(o, NULL), SIM_OK);
	cr_assert_eq(h5o_commit(o, NULL), SIM_OK);
	h5o_free(o);
	rec_free(r);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void cleanup(void)
{
	th_rmtree(dir);
	free(dir);
}

static hid_t open_rw(void)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
	hid_t f = H5Fopen(path, H5F_ACC_RDWR, fapl);
	H5Pclose(fapl);
	cr_assert_geq(f, 0);
	return f;
}

/* A group holding a hard link to its own parent: the tree is a cycle, and
 * info used to walk it for ever. */
Test(h5i, info_stops_at_a_cycle_of_groups, .init = make_file, .fini = cleanup, .timeout = 30)
{
	hid_t f = open_rw();
	cr_assert_geq(H5Lcreate_hard(f, "/rep_0000", f, "/rep_0000/timeseries/loop", H5P_DEFAULT,
	                             H5P_DEFAULT), 0);
	cr_assert_geq(H5Lcreate_hard(f, "/", f, "/rep_0000/scalars/root", H5P_DEFAULT, H5P_DEFAULT), 0);
	H5Fclose(f);
	h5i *r = h5i_open(path, NULL);
	cr_assert(r);
	uint64_t a, b;
	cr_assert(h5i_object_addr(r, "/rep_0000", &a));
	cr_assert(h5i_object_addr(r, "/rep_0000/timeseries/loop", &b));
	cr_expect_eq(a, b, "two paths to one group have one address");
	cr_redirect_stdout();
	info_print(r);
	fflush(stdout);
	h5i_close(r);
}

/* DAIS writes hard links only; soft and external links in a file someone
 * sent are not followed (an external link opens another file). */
Test(h5i, soft_and_external_links_are_not_followed, .init = make_file, .fini = cleanup)
{
	char other[1100];
	snprintf(other, sizeof other, "%s/other.h5", dir);
	hid_t o = H5Fcreate(other, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hsize_t one = 1;
	hid_t sp = H5Screate_simple(1, &one, NULL);
	hid_t ds = H5Dcreate2(o, "x", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Fclose(o);
	hid_t f = open_rw();
	cr_assert_geq(H5Lcreate_soft("/rep_0000/scalars/nodes_year_1", f,
	                             "/rep_0000/scalars/soft", H5P_DEFAULT, H5P_DEFAULT), 0);
	cr_assert_geq(H5Lcreate_external(other, "/x", f, "/rep_0000/scalars/ext", H5P_DEFAULT,
	                                 H5P_DEFAULT), 0);
	H5Fclose(f);
	h5i *r = h5i_open(path, NULL);
	cr_assert(r);
	char **names;
	size_t n;
	cr_assert_eq(h5i_list(r, "/rep_0000/scalars", &names, &n, NULL), SIM_OK);
	cr_expect_eq(n, 1, "only the hard link is listed");
	cr_expect_str_eq(names[0], "nodes_year_1");
	h5i_names_free(names, n);
	cr_expect(!h5i_exists(r, "/rep_0000/scalars/soft"));
	cr_expect(!h5i_exists(r, "/rep_0000/scalars/ext"));
	struct h5i_data x;
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(h5i_read(r, "/rep_0000/scalars/ext", &x, &d), SIM_EINVAL);
	diag_release(&d);
	h5i_close(r);
}

/* A dataspace of 2^40 values (nothing stored) is refused before anything is
 * allocated for it. */
Test(h5i, a_huge_dataset_is_refused_not_allocated, .init = make_file, .fini = cleanup)
{
	hid_t f = open_rw();
	hsize_t dims[2] = { (hsize_t)1 << 20, (hsize_t)1 << 20 }, chunk[2] = { 16, 16 };
	hid_t sp = H5Screate_simple(2, dims, NULL), p = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_chunk(p, 2, chunk);
	hid_t ds = H5Dcreate2(f, "/rep_0000/timeseries/huge", H5T_IEEE_F64LE, sp, H5P_DEFAULT, p,
	                      H5P_DEFAULT);
	cr_assert_geq(ds, 0);
	H5Dclose(ds);
	H5Pclose(p);
	H5Sclose(sp);
	H5Fclose(f);
	h5i *r = h5i_open(path, NULL);
	struct h5i_data x;
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(h5i_read(r, "/rep_0000/timeseries/huge", &x, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "more than a results file holds"), "%s", d.msg[0]);
	cr_expect_null(x.v);
	diag_release(&d);
	h5i_close(r);
}

/* Flips one byte at offset off of the file. */
static void flip(long off)
{
	FILE *fp = fopen(path, "r+b");
	cr_assert(fp);
	cr_assert_eq(fseek(fp, off, SEEK_SET), 0);
	int c = fgetc(fp);
	cr_assert_neq(c, EOF);
	cr_assert_eq(fseek(fp, off, SEEK_SET), 0);
	fputc(c ^ 0x10, fp);
	fclose(fp);
}

/* A flipped bit in a series' values: the chunk's checksum fails and the read
 * is an error, not a wrong number. */
Test(h5i, damaged_data_is_detected, .init = make_file, .fini = cleanup)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	hid_t ds = H5Dopen2(f, "/rep_0000/timeseries/demand", H5P_DEFAULT);
	haddr_t addr;
	hsize_t size, off[1] = { 0 };
	unsigned mask;
	cr_assert_geq(H5Dget_chunk_info_by_coord(ds, off, &mask, &addr, &size), 0);
	H5Dclose(ds);
	H5Fclose(f);
	flip((long)addr + 17);
	h5i *r = h5i_open(path, NULL);
	cr_assert(r);
	struct h5i_data x;
	sim_diag d;
	diag_init(&d);
	cr_expect_eq(h5i_read(r, "/rep_0000/timeseries/demand", &x, &d), SIM_EINVAL);
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "cannot read"), "%s", d.msg[0]);
	diag_release(&d);
	h5i_close(r);
}

/* A flipped bit in an object header (the scalar's, which holds its value):
 * the header's checksum fails and the file is refused when it is opened
 * (libhdf5 reports such a failure only on the first read of the header). */
Test(h5i, damaged_metadata_is_detected, .init = make_file, .fini = cleanup)
{
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	H5O_info_t oi;
	cr_assert_geq(H5Oget_info_by_name2(f, "/rep_0000/scalars/nodes_year_1", &oi, H5O_INFO_BASIC,
	                                   H5P_DEFAULT), 0);
	H5Fclose(f);
	flip((long)oi.addr + 20);
	sim_diag d;
	diag_init(&d);
	cr_expect_null(h5i_open(path, &d));
	cr_assert_eq(d.n, 1);
	cr_expect(strstr(d.msg[0], "damaged: cannot read '/rep_0000/scalars/nodes_year_1'"), "%s",
	          d.msg[0]);
	diag_release(&d);
}
