void f(void)
{
retry:
	enter();
	if (again())
		goto retry;
	leave();
}
