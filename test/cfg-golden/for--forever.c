int f(void)
{
	for (;;) {
		if (poll())
			return 0;
		relax();
	}
}
