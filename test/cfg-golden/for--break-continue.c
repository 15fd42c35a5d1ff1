void f(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (skip(i))
			continue;
		if (stop(i))
			break;
		work(i);
	}
	done();
}
