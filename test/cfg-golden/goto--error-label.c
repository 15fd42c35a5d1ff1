int f(void)
{
	int r;

	r = setup();
	if (r)
		goto out;
	work();
out:
	teardown();
	return r;
}
