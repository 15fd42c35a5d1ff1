int f(int x)
{
	if (!x)
		return -EINVAL;
	work();
	return 0;
}
